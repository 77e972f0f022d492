using System.Buffers.Binary;
using System.Text;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// The bootstrap message the parent writes to the init pipe for nsexec (native/nsexec/nsexec.c): one netlink
/// message (struct nlmsghdr, type <see cref="InitMsg"/>) whose payload is attributes (struct nlattr: u16 length
/// including the 4-byte header, u16 type, payload, zero padding to 4). Strings carry a trailing NUL, booleans
/// are one byte, clone flags a native-endian u32 (runc's libcontainer/message_linux.go). Only set attributes are
/// sent; the clone flags always are. The numbers must equal nsexec.h (a unit test compares them).
/// </summary>
internal sealed record BootstrapData
{
    internal const ushort InitMsg = 62000;
    internal const ushort CloneFlagsAttr = 27281;
    internal const ushort NsPathsAttr = 27282;
    internal const ushort UidmapAttr = 27283;
    internal const ushort GidmapAttr = 27284;
    internal const ushort SetgroupAttr = 27285;
    internal const ushort OomScoreAdjAttr = 27286;
    internal const ushort RootlessEuidAttr = 27287;
    internal const ushort UidmapPathAttr = 27288;
    internal const ushort GidmapPathAttr = 27289;
    internal const ushort TimensOffsetAttr = 27290;

    internal const int NlmsgHdrLen = 16, NlaHdrLen = 4;
    internal const ushort NlmFRequest = 1;

    /// <summary>CLONE_NEW* flags of the namespaces to create (<see cref="Libc.CLONE_NEWALL"/> bits only).</summary>
    public uint CloneFlags { get; init; }

    /// <summary>Existing namespaces to join: (runc type name, path). Sent in join order (<see cref="Namespaces.All"/>).</summary>
    public IReadOnlyList<(string Type, string Path)> NsPaths { get; init; } = [];

    /// <summary>uid_map / gid_map text for a new user namespace ("0 100000 65536\n"); see <see cref="FormatIdMap"/>.</summary>
    public string? UidMap { get; init; }
    public string? GidMap { get; init; }

    /// <summary>
    /// runc's is_setgroup: setgroups(2) stays allowed and stage 2 drops supplementary groups. When false and
    /// <see cref="RootlessEuid"/>, nsexec writes "deny" to /proc/&lt;pid&gt;/setgroups before the gid map.
    /// </summary>
    public bool Setgroup { get; init; }

    /// <summary>Written to /proc/self/oom_score_adj first thing (decimal text).</summary>
    public string? OomScoreAdj { get; init; }

    public bool RootlessEuid { get; init; }

    /// <summary>newuidmap/newgidmap, used when writing the map directly fails with EPERM.</summary>
    public string? UidMapPath { get; init; }
    public string? GidMapPath { get; init; }

    /// <summary>timens_offsets text ("monotonic 1 0\nboottime 2 0\n"); see <see cref="FormatTimeOffsets"/>.</summary>
    public string? TimeOffsets { get; init; }

    /// <summary>One "containerID hostID size" line per mapping, as /proc/&lt;pid&gt;/uid_map wants.</summary>
    public static string FormatIdMap(IEnumerable<LinuxIdMapping> mappings)
    {
        var sb = new StringBuilder();
        foreach (LinuxIdMapping m in mappings) sb.Append($"{m.ContainerId} {m.HostId} {m.Size}\n");
        return sb.ToString();
    }

    /// <summary>One "clock secs nanosecs" line per clock (monotonic, boottime), as runc writes timens_offsets.</summary>
    public static string FormatTimeOffsets(IReadOnlyDictionary<string, LinuxTimeOffset> offsets)
    {
        var sb = new StringBuilder();
        foreach (string clock in OrdinalKeys.Sorted(offsets.Keys))
        {
            LinuxTimeOffset o = offsets[clock];
            sb.Append($"{clock} {o.Secs} {o.Nanosecs}\n");
        }
        return sb.ToString();
    }

    /// <summary>The namespace list as sent: "type:path,..." in join order (<see cref="Namespaces.All"/>).</summary>
    internal string NsPathsText()
    {
        foreach ((string type, string path) in NsPaths)
        {
            if (Namespaces.JoinIndexOfProcName(type) < 0) throw new ArgumentException($"unknown namespace type {type}");
            if (path.Length == 0 || path.Contains(',') || path.Contains('\0'))
                throw new ArgumentException($"invalid {type} namespace path {path}");
        }
        // Join order; entries of one type keep the order they were given in.
        var parts = new List<string>(NsPaths.Count);
        foreach (var k in Namespaces.All)
            foreach ((string type, string path) in NsPaths)
                if (type == k.ProcName) parts.Add($"{type}:{path}");
        return string.Join(',', parts);
    }

    /// <summary>The whole message: header and attributes.</summary>
    public byte[] Encode()
    {
        var attrs = new List<(ushort Type, byte[] Payload)>();
        var u32 = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(u32, CloneFlags);
        attrs.Add((CloneFlagsAttr, u32));
        if (NsPaths.Count > 0) attrs.Add((NsPathsAttr, CString(NsPathsText())));
        AddString(attrs, UidmapAttr, UidMap);
        AddString(attrs, GidmapAttr, GidMap);
        if (Setgroup) attrs.Add((SetgroupAttr, [1]));
        AddString(attrs, OomScoreAdjAttr, OomScoreAdj);
        if (RootlessEuid) attrs.Add((RootlessEuidAttr, [1]));
        AddString(attrs, UidmapPathAttr, UidMapPath);
        AddString(attrs, GidmapPathAttr, GidMapPath);
        AddString(attrs, TimensOffsetAttr, TimeOffsets);

        int size = NlmsgHdrLen;
        foreach ((ushort _, byte[] payload) in attrs) size += Align4(NlaHdrLen + payload.Length);
        var msg = new byte[size];
        Span<byte> s = msg;
        BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], InitMsg);
        BinaryPrimitives.WriteUInt16LittleEndian(s[6..], NlmFRequest);
        // nlmsg_seq and nlmsg_pid stay 0.
        int off = NlmsgHdrLen;
        foreach ((ushort type, byte[] payload) in attrs)
        {
            if (NlaHdrLen + payload.Length > ushort.MaxValue)
                throw new ArgumentException($"bootstrap attribute {type} is too long ({payload.Length} bytes)");
            BinaryPrimitives.WriteUInt16LittleEndian(s[off..], (ushort)(NlaHdrLen + payload.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(s[(off + 2)..], type);
            payload.CopyTo(s[(off + NlaHdrLen)..]);
            off += Align4(NlaHdrLen + payload.Length);
        }
        return msg;
    }

    private static void AddString(List<(ushort, byte[])> attrs, ushort type, string? value)
    {
        if (!string.IsNullOrEmpty(value)) attrs.Add((type, CString(value)));
    }

    private static byte[] CString(string value)
    {
        if (value.Contains('\0')) throw new ArgumentException("bootstrap string contains a NUL byte");
        var b = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, b);
        return b;
    }

    private static int Align4(int n) => (n + 3) & ~3;
}
