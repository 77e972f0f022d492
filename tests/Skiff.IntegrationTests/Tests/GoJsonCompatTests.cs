using System.Text;
using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// What Go's encoding/json (runc's config reader) accepts, the container runs with: unknown fields at any depth,
/// invalid UTF-8 (U+FFFD), bytes after the first value, keys in another case, a key given twice (merged). Each is
/// checked by what the container sees; the same tests pass against runc.
/// </summary>
public sealed class GoJsonCompatTests : ContainerTest
{
    private string RunConfig(Bundle b, Func<string, byte[]> edit)
    {
        b.Save();
        File.WriteAllBytes(b.ConfigPath, edit(File.ReadAllText(b.ConfigPath)));
        var id = NewId("go");
        var r = Rt.Exec(["run", "-b", b.Dir, id]).AssertSuccess();
        AssertNothingLeaked(id, b);
        return r.Stdout;
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void UnknownFieldsNestedDeeperThan64AreSkipped()
    {
        var b = ShellBundle("echo deep-ok");
        var deep = new string('[', 200) + "{\"k\": " + new string('[', 100) + new string(']', 100) + "}" + new string(']', 200);
        var outp = RunConfig(b, t => Utf8(t.Insert(t.IndexOf('{') + 1, $"\"x-unknown\": {{\"a\": {deep}}}, ")));
        Assert.Equal("deep-ok\n", outp);
    }

    [Fact]
    public void InvalidUtf8BecomesTheReplacementCharacter()
    {
        var b = ShellBundle("printf '%s' \"$V\" | od -An -tx1 | tr -d ' \\n'");
        b.Env("V", "a@b");
        var outp = RunConfig(b, t =>
        {
            var bytes = Utf8(t).ToList();
            int at = IndexOf(bytes, Utf8("a@b"));
            bytes[at + 1] = 0xFF;
            return bytes.ToArray();
        });
        Assert.Equal("61efbfbd62", outp);
    }

    [Fact]
    public void BytesAfterTheFirstValueAreIgnored()
    {
        var b = ShellBundle("echo trailing-ok");
        Assert.Equal("trailing-ok\n", RunConfig(b, t => Utf8(t + "\n}} garbage, not JSON {{")));
    }

    [Fact]
    public void KeysMatchFieldsCaseInsensitively()
    {
        var b = ShellBundle("echo $CASE_VAR");
        b.Env("CASE_VAR", "case-ok");
        var outp = RunConfig(b, t =>
        {
            var o = JsonNode.Parse(t)!.AsObject();
            var p = o["process"]!;
            o.Remove("process");
            o["PROCESS"] = p.DeepClone();
            var env = o["PROCESS"]!["env"]!;
            o["PROCESS"]!.AsObject().Remove("env");
            o["PROCESS"]!["Env"] = env.DeepClone();
            return Utf8(o.ToJsonString());
        });
        Assert.Equal("case-ok\n", outp);
    }

    [Fact]
    public void ADuplicatedKeyMergesIntoTheSameObject()
    {
        var b = ShellBundle("echo $MERGED; pwd");
        b.Env("MERGED", "merge-ok");
        var outp = RunConfig(b, t =>
        {
            // a second "process" that only sets cwd: args and env of the first stay
            int end = t.LastIndexOf('}');
            return Utf8(t[..end].TrimEnd() + ", \"process\": {\"cwd\": \"/tmp\"}}");
        });
        Assert.Equal("merge-ok\n/tmp\n", outp);
    }

    private static int IndexOf(List<byte> hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Count; i++)
        {
            if (needle.Select((b, k) => hay[i + k] == b).All(x => x))
            {
                return i;
            }
        }
        throw new InvalidOperationException("needle not found");
    }
}
