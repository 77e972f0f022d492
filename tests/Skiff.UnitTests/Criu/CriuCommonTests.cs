using Google.Protobuf;
using Skiff.LibContainer;
using Skiff.LibContainer.Criu;
using Skiff.LibContainer.Criu.Rpc;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Criu;

public class CriuCommonTests
{
    [Theory]
    [InlineData("", 6)]       // DEFAULT
    [InlineData("soft", 3)]
    [InlineData("full", 4)]
    [InlineData("strict", 5)]
    [InlineData("ignore", 0)]
    public void CgroupModesAreRuncs(string flag, int wire) => Assert.Equal(wire, (int)CriuCommon.CgroupMode(flag));

    [Fact]
    public void AnUnknownCgroupModeIsRefused()
    {
        var ex = Assert.Throws<ContainerException>(() => CriuCommon.CgroupMode("props"));
        Assert.Equal("invalid manage-cgroups-mode value", ex.Message);
    }

    [Fact]
    public void TheLazyServerPipeIsCriusPipeMaxSize()
    {
        // criu/include/page-pipe.h: (1 << PAGE_ALLOC_COSTLY_ORDER) * PAGE_SIZE / sizeof(struct pipe_buffer) pages
        Assert.Equal(8 * Environment.SystemPageSize / 40, CriuSupport.LazyServerPipeBytes / Environment.SystemPageSize);
        if (Environment.SystemPageSize == 4096) Assert.Equal(3354624, CriuSupport.LazyServerPipeBytes);
    }

    [Fact]
    public void CriuLogsInTheWorkDirectoryElseInTheImages()
    {
        Assert.Equal("/img", new CriuOptions { ImagesDirectory = "/img" }.LogDirectory);
        Assert.Equal("/work", new CriuOptions { ImagesDirectory = "/img", WorkDirectory = "/work" }.LogDirectory);
    }

    [Theory]
    [InlineData("net", "extRootNetNS")]
    [InlineData("pid", "extRootPidNS")]
    public void ExternalNamespaceKeysAreRuncs(string ns, string key) => Assert.Equal(key, CriuCommon.ExternalKey(ns));

    [Fact]
    public void TheConfigFileComesFromTheAnnotationOrRuncsDefault()
    {
        var none = new criu_opts();
        CriuCommon.ConfigFile(none, new Spec());
        Assert.Equal("/etc/criu/runc.conf", none.ConfigFile);

        var named = new criu_opts();
        CriuCommon.ConfigFile(named, new Spec { Annotations = new() { ["org.criu.config"] = "/etc/criu/ctr.conf" } });
        Assert.Equal("/etc/criu/ctr.conf", named.ConfigFile);

        var empty = new criu_opts();
        CriuCommon.ConfigFile(empty, new Spec { Annotations = new() { ["org.criu.config"] = "" } });
        Assert.False(empty.HasConfigFile);
    }

    [Fact]
    public void DescriptorsRoundTripAsRuncWritesThem()
    {
        var dir = Directory.CreateTempSubdirectory("criu-desc-").FullName;
        try
        {
            var fds = new List<string> { "/dev/null", "pipe:[125757]", "pipe:[125757]" };
            byte[] json = CriuCommon.DescriptorsJson(fds);
            Assert.Equal("[\"/dev/null\",\"pipe:[125757]\",\"pipe:[125757]\"]", System.Text.Encoding.UTF8.GetString(json));
            File.WriteAllBytes(Path.Combine(dir, CriuCommon.DescriptorsFile), json);
            Assert.Equal(fds, CriuCommon.ReadDescriptors(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MissingDescriptorsNameTheFile()
    {
        var ex = Assert.ThrowsAny<Exception>(() => CriuCommon.ReadDescriptors("/nonexistent-criu-dir"));
        Assert.Equal("open /nonexistent-criu-dir/descriptors.json: no such file or directory", ErrorText.Render(ex));
    }

    [Fact]
    public void RequestsEncodeAsCriuDecodesThem()
    {
        // criu_req{type: VERSION} is field 1, varint 10; notify_success is field 3
        Assert.Equal(new byte[] { 0x08, 0x0A }, new criu_req { Type = criu_req_type.Version }.ToByteArray());
        Assert.Equal(new byte[] { 0x08, 0x06, 0x18, 0x01 },
            new criu_req { Type = criu_req_type.Notify, NotifySuccess = true }.ToByteArray());
        var req = new criu_req
        {
            Type = criu_req_type.Restore,
            Opts = new criu_opts { ImagesDirFd = 7, RstSibling = true, InheritFd = { new inherit_fd { Key = "pipe:[1]", Fd = 1 } } },
        };
        var back = criu_req.Parser.ParseFrom(req.ToByteArray());
        Assert.Equal(7, back.Opts.ImagesDirFd);
        Assert.True(back.Opts.RstSibling);
        Assert.Equal("pipe:[1]", back.Opts.InheritFd[0].Key);
    }

    [Fact]
    public void AResponseWithANotificationDecodes()
    {
        // criu_resp{type: NOTIFY, success: true, notify{script: "post-restore", pid: 42}}
        byte[] wire = [0x08, 0x06, 0x10, 0x01, 0x2A, 0x10, 0x0A, 0x0C, .. "post-restore"u8, 0x10, 0x2A];
        var resp = criu_resp.Parser.ParseFrom(wire);
        Assert.Equal(criu_req_type.Notify, resp.Type);
        Assert.True(resp.Success);
        Assert.Equal("post-restore", resp.Notify.Script);
        Assert.Equal(42, resp.Notify.Pid);
    }
}
