// The bytes cuLaunchKernel reads: one 8-byte slot per argument behind a void** array.
package io.occlusion4j.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KernelArgsTest {

    /** Hands out memory full of 0xAB, so a byte the packer forgets to write shows up. */
    private static SegmentAllocator dirty(Arena arena) {
        return (size, alignment) -> arena.allocate(size, alignment).fill((byte) 0xAB);
    }

    private static String hex(MemorySegment slots, int index) {
        return HexFormat.of().formatHex(slots.asSlice(8L * index, 8).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void eachArgumentTakesOneLittleEndianSlotWithTheUpperBytesOfNarrowValuesZeroed() {
        KernelArgs args = KernelArgs.create()
                .address(0x0000_7f00_1234_5678L)
                .i32(0x01020304)
                .f32(1.0f)
                .i64(-2L)
                .f64(1.0)
                .i32(-1);
        try (Arena arena = Arena.ofConfined()) {
            KernelArgs.Packed packed = args.pack(dirty(arena));
            MemorySegment slots = packed.slots();
            assertThat(slots.byteSize()).isEqualTo(6 * 8);
            assertThat(hex(slots, 0)).isEqualTo("78563412007f0000");
            assertThat(hex(slots, 1)).isEqualTo("0403020100000000");
            assertThat(hex(slots, 2)).isEqualTo("0000803f00000000");
            assertThat(hex(slots, 3)).isEqualTo("feffffffffffffff");
            assertThat(hex(slots, 4)).isEqualTo("000000000000f03f");
            assertThat(hex(slots, 5)).isEqualTo("ffffffff00000000");
            assertThat(slots.address() % 8).isZero();
            for (int i = 0; i < 6; i++) {
                MemorySegment pointer = packed.pointers().getAtIndex(ValueLayout.ADDRESS, i);
                assertThat(pointer.address()).as("void* of argument " + i).isEqualTo(slots.address() + 8L * i);
            }
        }
    }

    @Test
    void kindsAreRecordedInOrderAndCheckedAgainstASignature() {
        KernelArgs args = KernelArgs.create().address(16).i32(3).f32(2f);
        assertThat(args.count()).isEqualTo(3);
        assertThat(args.kinds()).containsExactly(KernelArgs.Kind.POINTER, KernelArgs.Kind.I32, KernelArgs.Kind.F32);
        args.checkAgainst("k", List.of(KernelArgs.Kind.POINTER, KernelArgs.Kind.I32, KernelArgs.Kind.F32));
        assertThatThrownBy(() -> args.checkAgainst("saxpy", List.of(KernelArgs.Kind.POINTER, KernelArgs.Kind.F32)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("saxpy").hasMessageContaining("[POINTER, F32]")
                .hasMessageContaining("[POINTER, I32, F32]");
    }

    @Test
    void manyArgumentsGrowTheSlotArray() {
        KernelArgs args = KernelArgs.create();
        for (int i = 0; i < 20; i++) {
            args.i32(i);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slots = args.pack(arena).slots();
            for (int i = 0; i < 20; i++) {
                assertThat(slots.get(ValueLayout.JAVA_LONG, 8L * i)).isEqualTo(i);
            }
        }
    }

    @Test
    void ptxGetsItsTerminatingNulAndBinaryImagesStayAsTheyAre() {
        byte[] ptx = ".version 8.0\n.target sm_90\n".getBytes();
        byte[] terminated = CudaModule.nulTerminatedIfText(ptx);
        assertThat(terminated).hasSize(ptx.length + 1).endsWith((byte) 0);
        byte[] elf = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
        assertThat(CudaModule.nulTerminatedIfText(elf)).isSameAs(elf);
        byte[] alreadyTerminated = {'a', 0};
        assertThat(CudaModule.nulTerminatedIfText(alreadyTerminated)).isSameAs(alreadyTerminated);
    }

    @Test
    void launchDimensionsMustBePositive() {
        assertThat(Dim3.of(4, 2)).isEqualTo(new Dim3(4, 2, 1));
        assertThat(Dim3.blocksFor(1000, 256)).isEqualTo(4);
        assertThatThrownBy(() -> new Dim3(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
