package io.occlusion4j.video;

/**
 * What a video file says about itself, before decoding.
 *
 * @param source         the file, as given
 * @param format         the container (FFmpeg's name, e.g. {@code mov,mp4,m4a,3gp,3g2,mj2}, {@code avi}, {@code gif})
 * @param codec          the video codec (FFmpeg's name, e.g. {@code h264}, {@code mpeg4}, {@code gif})
 * @param width          frame width in pixels
 * @param height         frame height in pixels
 * @param declaredFrames the frame count the container declares or estimates, or -1 when unknown
 * @param frameRate      frames per second (0 when unknown)
 */
public record VideoInfo(String source, String format, String codec, int width, int height, int declaredFrames,
        double frameRate) {}
