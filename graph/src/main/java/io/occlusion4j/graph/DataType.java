package io.occlusion4j.graph;

/**
 * Element types the graph IR carries, with ONNX's {@code TensorProto.DataType} codes. The reference
 * executor computes in {@code float} for {@link #FLOAT} and in {@code long} for the integer and
 * boolean types (shape arithmetic, indices, masks); anything else is refused when a model is read.
 */
public enum DataType {
    FLOAT(1, 4),
    INT32(6, 4),
    INT64(7, 8),
    BOOL(9, 1);

    private final int onnxCode;
    private final int bytes;

    DataType(int onnxCode, int bytes) {
        this.onnxCode = onnxCode;
        this.bytes = bytes;
    }

    /** ONNX's numeric code for this type. */
    public int onnxCode() {
        return onnxCode;
    }

    /** Bytes per element on a device (what the buffer planner sizes with). */
    public int bytes() {
        return bytes;
    }

    /** True when the executor holds elements of this type as {@code long}. */
    public boolean isIntegral() {
        return this != FLOAT;
    }

    /** The type of an ONNX code, or null when the IR does not carry it. */
    public static DataType ofOnnx(int code) {
        for (DataType t : values()) {
            if (t.onnxCode == code) {
                return t;
            }
        }
        return null;
    }

    /** ONNX's name of a type code, for messages ("DOUBLE", "UINT8", ...). */
    public static String onnxName(int code) {
        try {
            return io.occlusion4j.onnx.proto.TensorProto.DataType.forNumber(code).name();
        } catch (NullPointerException e) {
            return "code " + code;
        }
    }
}
