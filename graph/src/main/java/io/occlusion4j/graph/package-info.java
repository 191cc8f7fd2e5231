/**
 * The ONNX graph IR, its shape inference, the plan rewrites, and the plain-Java reference executor:
 * the CPU half of occlusion4j's own inference plan.
 *
 * <h2>Pipeline</h2>
 * <pre>
 * OnnxModelReader.read(file)            ONNX protobuf -> Graph (constants, opsets, fed inputs)
 * ShapeInference.bindInputs / infer     static shapes, or symbols (a dynamic batch) kept as symbols
 * ConstantFolding.apply                 shape sub-graphs and constant-only nodes become constants
 * BatchNormFolding.apply                BatchNormalization folded into the preceding Conv
 * ConvFusion.apply                      Relu(Conv) and Relu(Add(Conv, z)) -> FusedConv
 * BufferPlanner.plan                    Plan: ordered steps over one liveness-shared arena
 * </pre>
 * {@link io.occlusion4j.graph.PlanBuilder} runs the whole pipeline; every stage is a pure function
 * {@code Graph -> Graph}, and {@link io.occlusion4j.graph.ReferenceExecutor} runs any of them
 * ({@code run} on a graph, {@code runPlan} on a plan through its arena), which is how tests check each
 * rewrite against the original graph and against ONNX Runtime.
 *
 * <h2>What a device executor walks</h2>
 * A {@link io.occlusion4j.graph.Plan} is built for fixed input shapes (one per batch size):
 * <ul>
 *   <li>{@code arenaBytes()}: allocate one device buffer of this size for all activations;
 *       {@code weights()}: upload each constant once. The workspace for convolution algorithms is not
 *       part of the plan: the device executor sizes it from its algorithm choice (cuDNN's find, once per
 *       batch size) and passes it as {@code reserveBytes} to
 *       {@link io.occlusion4j.graph.PlanBuilder#largestBatch}.</li>
 *   <li>{@code slot(input)}: where each graph input lives in the arena. The occlusion variant writer
 *       writes its batch there directly (no copy); {@code slot(output)} is where the scores are read.</li>
 *   <li>{@code steps()}: in order. Each {@link io.occlusion4j.graph.PlanStep} has the node (operator
 *       and attributes), its operands ({@code Activation(slot)} = byte offset and size in the arena,
 *       {@code Weight(name, value)}, or {@code Absent}), and for convolutions a
 *       {@link io.occlusion4j.graph.ConvDescriptor} with everything cuDNN's descriptors need (resolved
 *       pads, strides, dilations, groups, bias / residual / ReLU for the fused forward). A step with
 *       {@code isView()} launches nothing: its output slot is its input's bytes.</li>
 * </ul>
 * Because the steps and the slots are fixed, the same sequence of launches can be captured once as a
 * CUDA graph and replayed for every batch.
 *
 * <h2>Operators</h2>
 * {@link io.occlusion4j.graph.Operators#SUPPORTED} lists the standard operators, plus the plan's own
 * {@code io.occlusion4j.FusedConv}. Anything else fails with
 * {@link io.occlusion4j.graph.UnsupportedOperatorException}, which names the operator and the node and
 * points to {@code --backend cpu}.
 */
package io.occlusion4j.graph;
