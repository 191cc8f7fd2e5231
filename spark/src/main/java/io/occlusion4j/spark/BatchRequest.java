// What `occlusion4j batch` asks of Spark: model, input, output, master and explain settings.
package io.occlusion4j.spark;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * @param model         the ONNX model (read on the driver and broadcast)
 * @param input         a folder (its PNG, JPEG, BMP, GIF, TIFF and NPY files, recursively), a glob, or a
 *                      Parquet table ({@code .parquet}) with a key and a binary content column
 * @param output        the Parquet table written (replaced whole on a rerun)
 * @param npyDir        where one {@code KEY.npy} pixel map per explained row goes, or {@code null}
 * @param master        Spark's master: {@code local[N]} or {@code spark://HOST:PORT}
 * @param options       the explain settings of every row
 * @param keyColumn     the table's key column ({@code path} for folders and globs)
 * @param contentColumn the table's binary column ({@code content} for folders and globs)
 * @param conf          further Spark settings ({@code spark.executor.memory}, GPU amounts, ...)
 */
public record BatchRequest(Path model, String input, Path output, Path npyDir, String master, ExplainSpec options,
        String keyColumn, String contentColumn, Map<String, String> conf) {
    public BatchRequest {
        conf = Map.copyOf(conf);
    }

    /** Input file names a folder is read for (lower and upper case). */
    static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "npy");
}
