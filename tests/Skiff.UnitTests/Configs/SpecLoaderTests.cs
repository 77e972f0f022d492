using System.Text;
using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Configs;

public sealed class SpecLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-spec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Message(Action a) => ErrorText.Render(Assert.ThrowsAny<Exception>(a));

    private void WriteConfig(string json) => File.WriteAllText(Path.Combine(_dir, "config.json"), json);

    private void WriteDefault(Action<Spec>? edit = null)
    {
        var spec = DefaultSpec.Example(cgroup2Unified: false);
        edit?.Invoke(spec);
        File.WriteAllBytes(Path.Combine(_dir, "config.json"), DefaultSpec.Serialize(spec));
    }

    [Fact]
    public void Missing_IsRuncText() =>
        Assert.Equal("JSON specification file config.json not found", Message(() => SpecLoader.Load(_dir)));

    [Fact]
    public void MissingBundle_IsRuncText() =>
        Assert.Equal("JSON specification file config.json not found", Message(() => SpecLoader.Load(Path.Combine(_dir, "nope"))));

    [Fact]
    public void ADirectory_IsRuncsReadError()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "config.json"));
        Assert.Equal("read config.json: is a directory", Message(() => SpecLoader.Load(_dir)));
    }

    [Fact]
    public void Empty_IsEOF()
    {
        WriteConfig("\n");
        Assert.Equal("EOF", Message(() => SpecLoader.Load(_dir)));
    }

    [Fact]
    public void Malformed_CarriesTheParseError()
    {
        WriteConfig("{bad");
        Assert.Equal("invalid character 'b' looking for beginning of object key string", Message(() => SpecLoader.Load(_dir)));
    }

    [Fact]
    public void Null_ReportsMissingProcess()
    {
        WriteConfig("null");
        Assert.Equal("process property must not be empty", Message(() => SpecLoader.Load(_dir)));
    }

    [Theory]
    [InlineData("args", "args must not be empty")]
    [InlineData("cwd-empty", "Cwd property must not be empty")]
    [InlineData("cwd-rel", "Cwd must be an absolute path")]
    [InlineData("process", "process property must not be empty")]
    public void ProcessChecks_AreRuncTexts(string what, string expected)
    {
        WriteDefault(s =>
        {
            switch (what)
            {
                case "args": s.Process!.Args = []; break;
                case "cwd-empty": s.Process!.Cwd = ""; break;
                case "cwd-rel": s.Process!.Cwd = "rel"; break;
                case "process": s.Process = null; break;
            }
        });
        Assert.Equal(expected, Message(() => SpecLoader.Load(_dir)));
    }

    [Fact]
    public void RootPath_IsMadeAbsoluteRelativeToTheBundle()
    {
        WriteDefault();
        Assert.Equal(Path.Combine(_dir, "rootfs"), SpecLoader.Load(_dir).Root!.Path);
    }

    [Fact]
    public void AbsoluteRootPath_IsKept()
    {
        WriteDefault(s => s.Root!.Path = "/abs/rootfs");
        Assert.Equal("/abs/rootfs", SpecLoader.Load(_dir).Root!.Path);
    }

    [Fact]
    public void UnknownFields_AreIgnored()
    {
        WriteConfig("""{"ociVersion":"1.2.0","process":{"cwd":"/","args":["sh"],"bogus":1},"extra":{}}""");
        Assert.Equal(["sh"], SpecLoader.Load(_dir).Process!.Args!);
    }

    [Fact]
    public void ParseAcceptsBytes() =>
        Assert.Equal("1.0", SpecLoader.Parse(Encoding.UTF8.GetBytes("""{"ociVersion":"1.0"}""")).OciVersion);
}
