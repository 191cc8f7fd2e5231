/** Video for occlusion4j: clips decoded through FFmpeg (JavaCV), 3-D and per-frame explanations, heatmap videos. */
module io.occlusion4j.video {
    requires transitive io.occlusion4j;
    requires org.bytedeco.javacv;
    requires org.bytedeco.ffmpeg;
    requires org.bytedeco.javacpp;

    exports io.occlusion4j.video;
}
