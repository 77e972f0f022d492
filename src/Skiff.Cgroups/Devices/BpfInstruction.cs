using System.Buffers.Binary;

namespace Skiff.Cgroups.Devices;

/// <summary>One eBPF instruction (struct bpf_insn: u8 code, u4 dst, u4 src, s16 off, s32 imm), 8 bytes little-endian.</summary>
public readonly record struct BpfInstruction(byte Code, byte Dst, byte Src, short Off, int Imm)
{
    // Classes, sizes, modes, ops and sources from linux/bpf_common.h and linux/bpf.h.
    public const byte BPF_LDX = 0x01, BPF_ALU = 0x04, BPF_JMP = 0x05;
    public const byte BPF_W = 0x00, BPF_MEM = 0x60;
    public const byte BPF_K = 0x00, BPF_X = 0x08;
    public const byte BPF_AND = 0x50, BPF_RSH = 0x70, BPF_MOV = 0xb0;
    public const byte BPF_JNE = 0x50, BPF_EXIT = 0x90;

    /// <summary>dst = *(u32 *)(src + off)</summary>
    public static BpfInstruction LoadWord(byte dst, byte src, short off) => new(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
    /// <summary>dst &amp;= imm (32-bit)</summary>
    public static BpfInstruction AndImm32(byte dst, int imm) => new(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm);
    /// <summary>dst >>= imm (32-bit)</summary>
    public static BpfInstruction RshImm32(byte dst, int imm) => new(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm);
    /// <summary>dst = src (32-bit)</summary>
    public static BpfInstruction MovReg32(byte dst, byte src) => new(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
    /// <summary>dst = imm (32-bit)</summary>
    public static BpfInstruction MovImm32(byte dst, int imm) => new(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm);
    /// <summary>if dst != imm goto pc + 1 + off</summary>
    public static BpfInstruction JneImm(byte dst, int imm, short off) => new(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm);
    /// <summary>if dst != src goto pc + 1 + off</summary>
    public static BpfInstruction JneReg(byte dst, byte src, short off) => new(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0);
    /// <summary>return r0</summary>
    public static BpfInstruction Exit() => new(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

    public BpfInstruction WithOffset(short off) => this with { Off = off };

    public void Encode(Span<byte> dest)
    {
        dest[0] = Code;
        dest[1] = (byte)((Src << 4) | (Dst & 0x0f));
        BinaryPrimitives.WriteInt16LittleEndian(dest[2..], Off);
        BinaryPrimitives.WriteInt32LittleEndian(dest[4..], Imm);
    }

    public static byte[] Encode(IReadOnlyList<BpfInstruction> insns)
    {
        var bytes = new byte[insns.Count * 8];
        for (int i = 0; i < insns.Count; i++) insns[i].Encode(bytes.AsSpan(i * 8, 8));
        return bytes;
    }
}
