/** The HTTP service behind {@code occlusion4j serve}: POST /v1/explain, /healthz and /metrics over one loaded model. */
module io.occlusion4j.server {
    requires transitive io.occlusion4j;
    requires jdk.httpserver;
    requires java.logging; // JdkHttpServer counts the JDK server's own rejections from its logger
    requires com.fasterxml.jackson.databind;

    exports io.occlusion4j.server;
}
