package io.occlusion4j.graph;

/**
 * Inference-mode BatchNormalization, decoded once into a per-channel {@code y = x * scale + shift} with
 * {@code scale = gamma / sqrt(var + eps)} and {@code shift = beta - mean * scale}, computed as the reference does
 * (float operands, the square root in double). Training-mode outputs are refused.
 */
public record BatchNormSpec(float[] scale, float[] shift) {

    /** Decodes a node whose inputs 1 to 4 (gamma, beta, mean, var) {@code in} gives as float tensors. */
    public static BatchNormSpec of(Node node, ConstantInputs in) {
        for (int i = 1; i < node.outputs().size(); i++) {
            if (!node.output(i).isEmpty()) {
                throw new UnsupportedOperatorException(node, "training-mode outputs (running mean/var)");
            }
        }
        if (node.intAttr("training_mode", 0) != 0) {
            throw new UnsupportedOperatorException(node, "training_mode = 1");
        }
        float eps = node.floatAttr("epsilon", 1e-5f);
        float[] gamma = floats(node, in, 1);
        float[] beta = floats(node, in, 2);
        float[] mean = floats(node, in, 3);
        float[] var = floats(node, in, 4);
        int c = gamma.length;
        if (beta.length != c || mean.length != c || var.length != c) {
            throw node.error("scale, bias, mean and variance must each hold " + c + " values");
        }
        float[] a = new float[c];
        float[] b = new float[c];
        for (int ch = 0; ch < c; ch++) {
            a[ch] = (float) (gamma[ch] / Math.sqrt(var[ch] + (double) eps));
            b[ch] = beta[ch] - mean[ch] * a[ch];
        }
        return new BatchNormSpec(a, b);
    }

    private static float[] floats(Node node, ConstantInputs in, int i) {
        TensorValue t = in.get(i);
        if (t == null) {
            throw node.error("input " + i + " is required");
        }
        if (t.type() != DataType.FLOAT) {
            throw new UnsupportedOperatorException(node, "input " + i + " has type " + t.type()
                    + "; only FLOAT is supported");
        }
        return t.floats();
    }

    public int channels() {
        return scale.length;
    }
}
