// One launch of a plan kernel (plan_ops.cu), described without a device so the host build can run it too.
package io.occlusion4j.kernels;

import java.util.List;

/**
 * A kernel of {@code plan_ops.cu} with its arguments: pointers into the arena, the weights or the scratch
 * buffer, scalars, and the launch's shape metadata ({@link Arg.Meta}: where {@link #meta()} lands in the
 * device's metadata buffer). {@code work} is the number of grid-stride work items (0: nothing to launch).
 */
public record PlanLaunch(String kernel, long work, List<Arg> args, long[] meta) {

    public PlanLaunch {
        args = List.copyOf(args);
        meta = meta.clone();
    }

    @Override
    public long[] meta() {
        return meta.clone();
    }

    /** Where a pointer argument points. */
    public enum Region { ARENA, WEIGHT, SCRATCH }

    /** One kernel argument. */
    public sealed interface Arg {
        /** {@code offset} bytes into the arena or the scratch buffer, or into weight {@code weight}. */
        record Pointer(Region region, String weight, long offset) implements Arg {
            public static Pointer arena(long offset) {
                return new Pointer(Region.ARENA, null, offset);
            }

            public static Pointer weight(String name) {
                return new Pointer(Region.WEIGHT, name, 0);
            }

            public static Pointer scratch(long offset) {
                return new Pointer(Region.SCRATCH, null, offset);
            }
        }

        record I32(int value) implements Arg {
        }

        record I64(long value) implements Arg {
        }

        record F32(float value) implements Arg {
        }

        /** The launch's own {@link PlanLaunch#meta()} array on the device. */
        record Meta() implements Arg {
        }
    }
}
