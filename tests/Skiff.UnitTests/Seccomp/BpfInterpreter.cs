using System.Buffers.Binary;

namespace Skiff.UnitTests.Seccomp;

/// <summary>
/// A classic-BPF interpreter for seccomp programs (the kernel's seccomp_data as input), so tests can ask what an
/// exported filter returns for a syscall instead of comparing bytes.
/// </summary>
internal static class BpfInterpreter
{
    public const uint AUDIT_ARCH_X86_64 = 0xC000003E, AUDIT_ARCH_I386 = 0x40000003, AUDIT_ARCH_AARCH64 = 0xC00000B7;

    /// <summary>Runs <paramref name="program"/> (8-byte sock_filter entries, host endian) and returns its verdict.</summary>
    public static uint Run(byte[] program, int nr, uint arch = AUDIT_ARCH_X86_64, params ulong[] args)
    {
        Span<byte> data = stackalloc byte[64]; // struct seccomp_data { int nr; u32 arch; u64 ip; u64 args[6]; }
        data.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(data, nr);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], arch);
        for (int i = 0; i < args.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(data[(16 + 8 * i)..], args[i]);

        int count = program.Length / 8;
        Span<uint> mem = stackalloc uint[16];
        mem.Clear();
        uint a = 0, x = 0;
        for (int pc = 0, steps = 0; pc < count; pc++)
        {
            if (++steps > 100_000) throw new InvalidOperationException("BPF program does not terminate");
            ReadOnlySpan<byte> insn = program.AsSpan(pc * 8, 8);
            ushort code = BinaryPrimitives.ReadUInt16LittleEndian(insn);
            byte jt = insn[2], jf = insn[3];
            uint k = BinaryPrimitives.ReadUInt32LittleEndian(insn[4..]);
            uint src = (code & 0x08) != 0 ? x : k; // BPF_X : BPF_K
            switch (code & 0x07)
            {
                case 0x00: // BPF_LD
                    a = (code & 0xe0) switch
                    {
                        0x20 => BinaryPrimitives.ReadUInt32LittleEndian(data[(int)k..]), // BPF_ABS (BPF_W)
                        0x00 => k,                                                       // BPF_IMM
                        0x60 => mem[(int)k],                                             // BPF_MEM
                        0x80 => 64,                                                      // BPF_LEN
                        _ => throw new NotSupportedException($"ld 0x{code:x}"),
                    };
                    break;
                case 0x01: // BPF_LDX
                    x = (code & 0xe0) switch
                    {
                        0x00 => k,
                        0x60 => mem[(int)k],
                        0x80 => 64,
                        _ => throw new NotSupportedException($"ldx 0x{code:x}"),
                    };
                    break;
                case 0x02: mem[(int)k] = a; break; // BPF_ST
                case 0x03: mem[(int)k] = x; break; // BPF_STX
                case 0x04: // BPF_ALU
                    a = (code & 0xf0) switch
                    {
                        0x00 => a + src, 0x10 => a - src, 0x20 => a * src, 0x30 => a / src, 0x40 => a | src,
                        0x50 => a & src, 0x60 => a << (int)src, 0x70 => a >> (int)src, 0x80 => (uint)-(int)a,
                        0x90 => a % src, 0xa0 => a ^ src,
                        _ => throw new NotSupportedException($"alu 0x{code:x}"),
                    };
                    break;
                case 0x05: // BPF_JMP
                    if ((code & 0xf0) == 0x00) { pc += (int)k; break; } // BPF_JA
                    bool cond = (code & 0xf0) switch
                    {
                        0x10 => a == src, 0x20 => a > src, 0x30 => a >= src, 0x40 => (a & src) != 0,
                        _ => throw new NotSupportedException($"jmp 0x{code:x}"),
                    };
                    pc += cond ? jt : jf;
                    break;
                case 0x06: // BPF_RET
                    return (code & 0x18) == 0x10 ? a : k; // BPF_A : BPF_K
                case 0x07: // BPF_MISC
                    if ((code & 0xf8) == 0x00) x = a; else a = x; // TAX : TXA
                    break;
            }
        }
        throw new InvalidOperationException("BPF program fell off its end");
    }
}
