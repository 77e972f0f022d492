using Skiff.RuntimeSpec.Json;
using System.Text;
using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;
using Skiff.RuntimeSpec.GoJson;
using Xunit;

namespace Skiff.UnitTests.Configs;

/// <summary>config.json read as Go's encoding/json reads it (runc's loadSpec); texts checked against runc 1.1.5.</summary>
public sealed class GoJsonDecoderTests
{
    private static Spec Decode(string json) => GoJsonDecoder.Decode<Spec>(Encoding.UTF8.GetBytes(json), SpecShapes.Spec)!;

    private static string Error(string json) => Assert.Throws<GoJsonException>(() => Decode(json)).Message;

    [Theory]
    [InlineData("", "EOF")]
    [InlineData("{", "unexpected EOF")]
    [InlineData("{\"a\":1,}", "invalid character '}' looking for beginning of object key string")]
    [InlineData("{\"a\":[1,]}", "invalid character ']' looking for beginning of value")]
    [InlineData("{\"a\":1 // c\n}", "invalid character '/' after object key:value pair")]
    [InlineData("{\"a\": tru}", "invalid character '}' in literal true (expecting 'e')")]
    [InlineData("{\"a\": \"\\x\"}", "invalid character 'x' in string escape code")]
    [InlineData("{\"a\": \"\u0001\"}", "invalid character '\\x01' in string literal")]
    [InlineData("{'a': 1}", "invalid character '\\'' looking for beginning of object key string")]
    [InlineData("{\"a\": 1.}", "invalid character '}' after decimal point in numeric literal")]
    [InlineData("[]", "json: cannot unmarshal array into Go value of type specs.Spec")]
    [InlineData("{\"hostname\": 5}", "json: cannot unmarshal number into Go struct field Spec.hostname of type string")]
    [InlineData("{\"process\": {\"args\": \"x\"}}", "json: cannot unmarshal string into Go struct field Process.process.args of type []string")]
    [InlineData("{\"process\": {\"user\": {\"uid\": -1}}}", "json: cannot unmarshal number -1 into Go struct field User.process.user.uid of type uint32")]
    [InlineData("{\"process\": {\"rlimits\": [{\"hard\": 1e3}]}}", "json: cannot unmarshal number 1e3 into Go struct field POSIXRlimit.process.rlimits.hard of type uint64")]
    [InlineData("{\"annotations\": {\"a\": 1}}", "json: cannot unmarshal number into Go struct field Spec.annotations of type string")]
    [InlineData("{\"linux\": {\"uidMappings\": [{\"containerID\": \"x\"}]}}", "json: cannot unmarshal string into Go struct field LinuxIDMapping.linux.uidMappings.containerID of type uint32")]
    public void ErrorsAreGos(string json, string expected) => Assert.Equal(expected, Error(json));

    [Fact]
    public void NestingBeyond10000IsRefused() =>
        Assert.Equal("invalid character '[' exceeded max depth", Error("{\"x\": " + new string('[', 10001) + new string(']', 10001) + "}"));

    [Fact]
    public void UnknownFieldsAtAnyDepthAreSkipped()
    {
        var s = Decode("{\"x\": " + new string('[', 5000) + new string(']', 5000) + ", \"hostname\": \"h\"}");
        Assert.Equal("h", s.Hostname);
    }

    [Fact]
    public void InvalidUtf8AndLoneSurrogatesBecomeReplacementCharacters()
    {
        byte[] json = [.. "{\"hostname\": \"a"u8, 0xFF, 0xC3, (byte)'b', .. "\\ud800c\"}"u8];
        var s = GoJsonDecoder.Decode<Spec>(json, SpecShapes.Spec)!;
        Assert.Equal("a\uFFFD\uFFFDb\uFFFDc", s.Hostname);
    }

    [Fact]
    public void BytesAfterTheFirstValueAreIgnored() => Assert.Equal("h", Decode("{\"hostname\": \"h\"} trailing ,, garbage").Hostname);

    [Fact]
    public void KeysMatchCaseInsensitivelyAndExactNamesWin()
    {
        var s = Decode("{\"PROCESS\": {\"ARGS\": [\"a\"], \"Cwd\": \"/x\"}, \"HostName\": \"h\"}");
        Assert.Equal(["a"], s.Process!.Args!);
        Assert.Equal("/x", s.Process.Cwd);
        Assert.Equal("h", s.Hostname);
    }

    [Fact]
    public void DuplicateKeysMergeObjectsAndReplaceTheRest()
    {
        var s = Decode("""
            {"process": {"args": ["a"], "env": ["A=1"], "user": {"uid": 1}},
             "annotations": {"k1": "v1"},
             "process": {"cwd": "/w", "env": ["B=2"], "user": {"gid": 2}},
             "Annotations": {"k2": "v2"}}
            """);
        Assert.Equal(["a"], s.Process!.Args!);
        Assert.Equal(["B=2"], s.Process.Env!);
        Assert.Equal("/w", s.Process.Cwd);
        Assert.Equal(1u, s.Process.User.Uid);
        Assert.Equal(2u, s.Process.User.Gid);
        Assert.Equal(2, s.Annotations!.Count);
    }

    [Fact]
    public void NullLeavesNonPointerFieldsAlone()
    {
        var s = Decode("{\"process\": {\"cwd\": null, \"terminal\": null, \"user\": null, \"args\": [null, \"b\"]}, \"hostname\": null}");
        Assert.Equal("", s.Process!.Cwd);
        Assert.NotNull(s.Process.User);
        Assert.Equal(["", "b"], s.Process.Args!);
        Assert.Null(s.Hostname);
    }

    [Fact]
    public void TheLoaderGivesTheGoTextAsItsMessage()
    {
        var ex = Assert.Throws<ContainerException>(() => SpecLoader.Parse("{\"ociVersion\": 1}"u8));
        Assert.Equal("json: cannot unmarshal number into Go struct field Spec.ociVersion of type string", ErrorText.Render(ex));
    }
}
