using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>bpf(2) (glibc has no wrapper: syscall 321 on x86_64), only what cgroup device filters need.</summary>
public static unsafe partial class Libc
{
    public const long SYS_bpf = 321;

    public const int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_GET_FD_BY_ID = 13,
        BPF_OBJ_GET_INFO_BY_FD = 15, BPF_PROG_QUERY = 16;
    public const uint BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    public const uint BPF_CGROUP_DEVICE = 6;
    public const uint BPF_F_ALLOW_OVERRIDE = 1, BPF_F_ALLOW_MULTI = 2, BPF_F_REPLACE = 4;

    /// <summary>The BPF_PROG_LOAD part of union bpf_attr (up to expected_attach_type).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BpfProgLoadAttr
    {
        public uint ProgType;
        public uint InsnCnt;
        public ulong Insns;
        public ulong License;
        public uint LogLevel;
        public uint LogSize;
        public ulong LogBuf;
        public uint KernVersion;
        public uint ProgFlags;
        public fixed byte ProgName[16];
        public uint ProgIfindex;
        public uint ExpectedAttachType;
    }

    /// <summary>The BPF_PROG_ATTACH / BPF_PROG_DETACH part of union bpf_attr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BpfProgAttachAttr
    {
        public uint TargetFd;
        public uint AttachBpfFd;
        public uint AttachType;
        public uint AttachFlags;
        public uint ReplaceBpfFd;
        private uint _pad;
    }

    /// <summary>The BPF_PROG_QUERY part of union bpf_attr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BpfProgQueryAttr
    {
        public uint TargetFd;
        public uint AttachType;
        public uint QueryFlags;
        public uint AttachFlags;
        public ulong ProgIds;
        public uint ProgCnt;
        private uint _pad;
        public ulong ProgAttachFlags;
    }

    /// <summary>The BPF_*_GET_FD_BY_ID part of union bpf_attr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BpfGetIdAttr
    {
        public uint Id;
        public uint NextId;
        public uint OpenFlags;
        private uint _pad;
    }

    /// <summary>bpf(cmd, attr, size); -1 with errno on failure.</summary>
    public static int bpf(int cmd, void* attr, uint size) =>
        (int)syscall(SYS_bpf, cmd, (long)attr, size, 0, 0, 0);

    // ---- safe helpers (the cgroup code has no unsafe) ----------------------------------------------

    /// <summary>
    /// BPF_PROG_LOAD of <paramref name="code"/> (encoded struct bpf_insn). On failure returns the errno and, when the
    /// verifier said something, its log in <paramref name="verifierLog"/>.
    /// </summary>
    public static Errno BpfProgLoad(uint progType, ReadOnlySpan<byte> code, string license, out SafeFd? prog, out string verifierLog)
    {
        byte[] lic = System.Text.Encoding.ASCII.GetBytes(license + "\0");
        byte[] log = new byte[64 * 1024];
        prog = null;
        verifierLog = "";
        fixed (byte* pc = code, pl = lic, plog = log)
        {
            var attr = new BpfProgLoadAttr { ProgType = progType, InsnCnt = (uint)(code.Length / 8), Insns = (ulong)pc, License = (ulong)pl };
            int fd = bpf(BPF_PROG_LOAD, &attr, (uint)sizeof(BpfProgLoadAttr));
            if (fd >= 0) { prog = new SafeFd(fd); return Errno.OK; }
            Errno e = Check.LastErrno;
            // Again with the verifier log, to say why.
            attr.LogLevel = 1;
            attr.LogSize = (uint)log.Length;
            attr.LogBuf = (ulong)plog;
            fd = bpf(BPF_PROG_LOAD, &attr, (uint)sizeof(BpfProgLoadAttr));
            if (fd >= 0) { prog = new SafeFd(fd); return Errno.OK; }
            int n = Array.IndexOf(log, (byte)0);
            verifierLog = System.Text.Encoding.UTF8.GetString(log, 0, n < 0 ? log.Length : n).Trim();
            return e;
        }
    }

    /// <summary>BPF_PROG_ATTACH (flags e.g. BPF_F_ALLOW_MULTI); Errno.OK on success.</summary>
    public static Errno BpfProgAttach(SafeFd target, SafeFd prog, uint attachType, uint flags)
    {
        var attr = new BpfProgAttachAttr { TargetFd = (uint)target.Fd, AttachBpfFd = (uint)prog.Fd, AttachType = attachType, AttachFlags = flags };
        return Check.Try(bpf(BPF_PROG_ATTACH, &attr, (uint)sizeof(BpfProgAttachAttr)));
    }

    /// <summary>BPF_PROG_DETACH of one program; Errno.OK on success.</summary>
    public static Errno BpfProgDetach(SafeFd target, SafeFd prog, uint attachType)
    {
        var attr = new BpfProgAttachAttr { TargetFd = (uint)target.Fd, AttachBpfFd = (uint)prog.Fd, AttachType = attachType };
        return Check.Try(bpf(BPF_PROG_DETACH, &attr, (uint)sizeof(BpfProgAttachAttr)));
    }

    /// <summary>BPF_PROG_QUERY: the ids of the programs attached to <paramref name="target"/> for <paramref name="attachType"/>.</summary>
    public static Errno BpfProgQuery(SafeFd target, uint attachType, out uint[] ids)
    {
        uint count = 8;
        while (true)
        {
            var buf = new uint[count];
            fixed (uint* p = buf)
            {
                var attr = new BpfProgQueryAttr { TargetFd = (uint)target.Fd, AttachType = attachType, ProgIds = (ulong)p, ProgCnt = count };
                if (bpf(BPF_PROG_QUERY, &attr, (uint)sizeof(BpfProgQueryAttr)) < 0)
                {
                    Errno e = Check.LastErrno;
                    if (e == Errno.ENOSPC && attr.ProgCnt > count) { count = attr.ProgCnt; continue; }
                    ids = [];
                    return e;
                }
                ids = buf.AsSpan(0, (int)Math.Min(attr.ProgCnt, count)).ToArray();
                return Errno.OK;
            }
        }
    }

    /// <summary>BPF_PROG_GET_FD_BY_ID.</summary>
    public static Errno BpfProgGetFdById(uint id, out SafeFd? prog)
    {
        var attr = new BpfGetIdAttr { Id = id };
        int fd = bpf(BPF_PROG_GET_FD_BY_ID, &attr, (uint)sizeof(BpfGetIdAttr));
        prog = fd >= 0 ? new SafeFd(fd) : null;
        return fd >= 0 ? Errno.OK : Check.LastErrno;
    }
}
