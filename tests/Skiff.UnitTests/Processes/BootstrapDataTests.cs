using System.Text.RegularExpressions;
using Skiff.LibContainer;
using Skiff.LibContainer.Processes;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Processes;

public class BootstrapDataTests
{
    private static string FindRepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(relative);
    }

    [Fact]
    public void ConstantsMatchNsexecHeader()
    {
        string header = File.ReadAllText(FindRepoFile("native/nsexec/nsexec.h"));
        var defines = Regex.Matches(header, @"^#define\s+(\w+)\s+(-?\d+)\b", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));
        var expected = new Dictionary<string, int>
        {
            ["INIT_MSG"] = BootstrapData.InitMsg,
            ["CLONE_FLAGS_ATTR"] = BootstrapData.CloneFlagsAttr,
            ["NS_PATHS_ATTR"] = BootstrapData.NsPathsAttr,
            ["UIDMAP_ATTR"] = BootstrapData.UidmapAttr,
            ["GIDMAP_ATTR"] = BootstrapData.GidmapAttr,
            ["SETGROUP_ATTR"] = BootstrapData.SetgroupAttr,
            ["OOM_SCORE_ADJ_ATTR"] = BootstrapData.OomScoreAdjAttr,
            ["ROOTLESS_EUID_ATTR"] = BootstrapData.RootlessEuidAttr,
            ["UIDMAPPATH_ATTR"] = BootstrapData.UidmapPathAttr,
            ["GIDMAPPATH_ATTR"] = BootstrapData.GidmapPathAttr,
            ["TIMENSOFFSET_ATTR"] = BootstrapData.TimensOffsetAttr,
        };
        foreach ((string name, int value) in expected)
        {
            Assert.True(defines.ContainsKey(name), $"nsexec.h lacks #define {name}");
            Assert.Equal(value, defines[name]);
        }
        // Every *_ATTR in the header is known to the encoder.
        Assert.Equal(expected.Keys.Where(k => k.EndsWith("_ATTR")).Order(),
            defines.Keys.Where(k => k.EndsWith("_ATTR")).Order());
    }

    [Fact]
    public void HeaderEnvironmentNamesMatchInitEnv()
    {
        string header = File.ReadAllText(FindRepoFile("native/nsexec/nsexec.h"));
        var defines = Regex.Matches(header, @"^#define\s+(ENV_\w+)\s+""([^""]*)""", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(Skiff.LibContainer.Wire.InitEnv.InitPipe, defines["ENV_INITPIPE"]);
        Assert.Equal(Skiff.LibContainer.Wire.InitEnv.LogPipe, defines["ENV_LOGPIPE"]);
        Assert.Equal(Skiff.LibContainer.Wire.InitEnv.LogLevel, defines["ENV_LOGLEVEL"]);
        Assert.Equal(Skiff.LibContainer.Wire.InitEnv.SyncPipe, defines["ENV_SYNCPIPE"]);
        Assert.Equal(Skiff.LibContainer.Wire.InitEnv.InitType, defines["ENV_INITTYPE"]);
        Assert.Equal(Skiff.LibContainer.Wire.InitEnv.Speculate, defines["ENV_SPECULATE"]);
        Assert.Equal(Skiff.Linux.Logging.PhaseTrace.InitEnvName, defines["ENV_TRACE"]);
    }

    [Fact]
    public void EncodesExactByteLayout()
    {
        var data = new BootstrapData
        {
            CloneFlags = Libc.CLONE_NEWPID,
            NsPaths = [("net", "/n")],
            Setgroup = true,
            OomScoreAdj = "-5",
        };
        byte[] expected =
        [
            0x34, 0, 0, 0, 0x30, 0xF2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,          // nlmsghdr: len 52, type 62000, NLM_F_REQUEST
            8, 0, 0x91, 0x6A, 0, 0, 0, 0x20,                                  // CLONE_FLAGS_ATTR u32 0x20000000
            11, 0, 0x92, 0x6A, (byte)'n', (byte)'e', (byte)'t', (byte)':', (byte)'/', (byte)'n', 0, 0, // NS_PATHS + pad
            5, 0, 0x95, 0x6A, 1, 0, 0, 0,                                     // SETGROUP_ATTR u8 + pad
            7, 0, 0x96, 0x6A, (byte)'-', (byte)'5', 0, 0,                     // OOM_SCORE_ADJ_ATTR "-5\0" + pad
        ];
        Assert.Equal(expected, data.Encode());
    }

    [Fact]
    public void MinimalMessageHasOnlyCloneFlags()
    {
        byte[] msg = new BootstrapData().Encode();
        Assert.Equal(24, msg.Length);
        Assert.Equal(24u, BitConverter.ToUInt32(msg, 0));
        Assert.Equal(8, BitConverter.ToUInt16(msg, 16));
        Assert.Equal(BootstrapData.CloneFlagsAttr, BitConverter.ToUInt16(msg, 18));
        Assert.Equal(0u, BitConverter.ToUInt32(msg, 20));
    }

    [Fact]
    public void AllAttributesRoundTripThroughAParser()
    {
        var data = new BootstrapData
        {
            CloneFlags = (uint)(Libc.CLONE_NEWUSER | Libc.CLONE_NEWNS),
            UidMap = "0 100000 65536\n",
            GidMap = "0 100000 65536\n",
            RootlessEuid = true,
            UidMapPath = "/usr/bin/newuidmap",
            GidMapPath = "/usr/bin/newgidmap",
            TimeOffsets = "boottime 2 0\nmonotonic 1 0\n",
        };
        var attrs = Parse(data.Encode());
        Assert.Equal([BootstrapData.CloneFlagsAttr, BootstrapData.UidmapAttr, BootstrapData.GidmapAttr,
            BootstrapData.RootlessEuidAttr, BootstrapData.UidmapPathAttr, BootstrapData.GidmapPathAttr,
            BootstrapData.TimensOffsetAttr], attrs.Select(a => a.Type));
        Assert.Equal("boottime 2 0\nmonotonic 1 0\n\0", System.Text.Encoding.UTF8.GetString(attrs[6].Payload));
        Assert.Equal("0 100000 65536\n\0", System.Text.Encoding.UTF8.GetString(attrs[1].Payload));
        Assert.Equal([1], attrs[3].Payload);
        Assert.Equal("/usr/bin/newgidmap\0", System.Text.Encoding.UTF8.GetString(attrs[5].Payload));
    }

    private static List<(ushort Type, byte[] Payload)> Parse(byte[] msg)
    {
        Assert.Equal((uint)msg.Length, BitConverter.ToUInt32(msg, 0));
        Assert.Equal(BootstrapData.InitMsg, BitConverter.ToUInt16(msg, 4));
        var list = new List<(ushort, byte[])>();
        for (int off = 16; off < msg.Length;)
        {
            int len = BitConverter.ToUInt16(msg, off);
            list.Add((BitConverter.ToUInt16(msg, off + 2), msg[(off + 4)..(off + len)]));
            off += (len + 3) & ~3;
            Assert.True(off <= msg.Length);
        }
        return list;
    }

    [Fact]
    public void NamespacePathsAreSentUserFirstInRuncOrder()
    {
        var data = new BootstrapData
        {
            NsPaths = [("mnt", "/m"), ("net", "/n"), ("user", "/u"), ("pid", "/p"), ("ipc", "/i")],
        };
        Assert.Equal("user:/u,ipc:/i,net:/n,pid:/p,mnt:/m", data.NsPathsText());
    }

    [Theory]
    [InlineData("mount", "/x")]
    [InlineData("net", "/a,b")]
    [InlineData("net", "")]
    public void RejectsBadNamespaceEntries(string type, string path)
    {
        var data = new BootstrapData { NsPaths = [(type, path)] };
        Assert.Throws<ArgumentException>(() => data.Encode());
    }

    [Fact]
    public void NamespaceFlagsFollowRuncNames()
    {
        Assert.Equal(Libc.CLONE_NEWNS, Namespaces.Of("mount")!.Value.Flag);
        Assert.Equal("mnt", Namespaces.Of("mount")!.Value.ProcName);
        Assert.Equal(Libc.CLONE_NEWTIME, Namespaces.Of("time")!.Value.Flag);
        Assert.Null(Namespaces.Of("mnt")); // the OCI type is "mount"; "mnt" is only the /proc and nsexec name
        Assert.Equal(-1, Namespaces.JoinIndexOfProcName("mount"));
        // one flag each, together exactly the CLONE_NEW* set, user joined first
        Assert.Equal(Libc.CLONE_NEWALL, Namespaces.All.Aggregate(0, (all, k) => all | k.Flag));
        Assert.Equal(Namespaces.All.Length, Namespaces.All.Select(k => k.Flag).Distinct().Count());
        Assert.Equal(0, Namespaces.JoinIndexOfProcName("user"));
    }

    [Fact]
    public void FormatsIdMapsAndTimeOffsets()
    {
        Assert.Equal("0 100000 65536\n1 5 2\n", BootstrapData.FormatIdMap(
        [
            new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 },
            new LinuxIdMapping { ContainerId = 1, HostId = 5, Size = 2 },
        ]));
        Assert.Equal("boottime 3 0\nmonotonic -1 500\n", BootstrapData.FormatTimeOffsets(
            new Dictionary<string, LinuxTimeOffset>
            {
                ["monotonic"] = new() { Secs = -1, Nanosecs = 500 },
                ["boottime"] = new() { Secs = 3 },
            }));
    }
}
