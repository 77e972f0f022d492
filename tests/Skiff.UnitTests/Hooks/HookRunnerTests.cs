using System.Text;
using System.Text.Json;
using Skiff.LibContainer;
using Skiff.LibContainer.Hooks;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Hooks;

public sealed class HookRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-hooks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly State s_state = new()
    {
        OciVersion = "1.2.0", Id = "c1", Status = "creating", Pid = 42, Bundle = "/b",
        Annotations = new() { ["k"] = "v" },
    };

    private string Script(string name, string body)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static string Fails(string kind, params Hook[] hooks) =>
        ErrorText.Render(Assert.Throws<ContainerException>(() => HookRunner.Run(kind, hooks, s_state)));

    [Fact]
    public void Hook_GetsStateOnStdin_ArgsAndOnlyItsEnv()
    {
        string outFile = Path.Combine(_dir, "out");
        string hook = Script("h", $"cat > {outFile}.stdin; echo \"$0|$1|$2\" > {outFile}.args; env > {outFile}.env");
        HookRunner.Run("prestart", [new Hook { Path = hook, Args = ["argv0", "a b", "c"], Env = ["FOO=bar"] }], s_state);
        var doc = JsonDocument.Parse(File.ReadAllText(outFile + ".stdin"));
        Assert.Equal("c1", doc.RootElement.GetProperty("id").GetString());
        Assert.Equal(42, doc.RootElement.GetProperty("pid").GetInt32());
        // $0 of a script is the script path; the args after it are ours.
        Assert.Equal($"{hook}|a b|c", File.ReadAllText(outFile + ".args").Trim());
        string env = File.ReadAllText(outFile + ".env");
        Assert.Contains("FOO=bar", env);
        Assert.DoesNotContain("HOME=", env);
    }

    [Fact]
    public void Argv0_IsTheFirstArg()
    {
        string outFile = Path.Combine(_dir, "argv0");
        // busybox-like check through /proc: the shell sees argv[0] as given when run with `sh -c`.
        HookRunner.Run("poststart", [new Hook { Path = "/bin/sh", Args = ["my-argv0", "-c", $"echo $0 > {outFile}"] }], s_state);
        Assert.Equal("my-argv0", File.ReadAllText(outFile).Trim());
    }

    [Fact]
    public void NoArgs_UsesPathAsArgv0_AndNoEnvInheritsOurs()
    {
        string outFile = Path.Combine(_dir, "noargs");
        string hook = Script("n", $"echo \"$0 $#\" > {outFile}; echo \"${{PATH:+has-path}}\" >> {outFile}");
        HookRunner.Run("createRuntime", [new Hook { Path = hook }], s_state);
        string[] lines = File.ReadAllLines(outFile);
        Assert.Equal($"{hook} 0", lines[0]);
        Assert.Equal("has-path", lines[1]);
    }

    [Fact]
    public void NonZeroExit_CapturesStdoutAndStderr()
    {
        string hook = Script("fail", "echo out; echo err >&2; exit 3");
        Assert.Equal("error running createRuntime hook #1: error running hook: exit status 3, stdout: out\n, stderr: err\n",
            Fails("createRuntime", new Hook { Path = "/bin/true" }, new Hook { Path = hook }));
    }

    [Fact]
    public void FirstFailure_StopsTheList()
    {
        string marker = Path.Combine(_dir, "ran");
        string second = Script("second", $"touch {marker}");
        Fails("prestart", new Hook { Path = "/bin/false" }, new Hook { Path = second });
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void KilledBySignal_IsGoText()
    {
        string hook = Script("sig", "kill -TERM $$");
        Assert.Equal("error running poststop hook #0: error running hook: signal: terminated, stdout: , stderr: ",
            Fails("poststop", new Hook { Path = hook }));
    }

    [Fact]
    public void Timeout_KillsTheHook()
    {
        string pidFile = Path.Combine(_dir, "pid");
        string hook = Script("slow", $"echo $$ > {pidFile}; exec sleep 30");
        var started = DateTime.UtcNow;
        Assert.Equal("error running prestart hook #0: hook ran past specified timeout of 1.0s",
            Fails("prestart", new Hook { Path = hook, Timeout = 1 }));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        int pid = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.False(Directory.Exists($"/proc/{pid}"), "the hook was reaped");
    }

    [Fact]
    public void MissingBinary_IsForkExecError() =>
        Assert.Equal($"error running startContainer hook #0: fork/exec {_dir}/nope: no such file or directory",
            Fails("startContainer", new Hook { Path = Path.Combine(_dir, "nope") }));

    [Fact]
    public void NullOrEmptyList_DoesNothing()
    {
        HookRunner.Run("prestart", null, s_state);
        HookRunner.Run("prestart", [], s_state);
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(1 << 8, "exit status 1")]
    [InlineData(255 << 8, "exit status 255")]
    [InlineData(9, "signal: killed")]
    [InlineData(11 | 0x80, "signal: segmentation fault (core dumped)")]
    [InlineData(40, "signal: signal 40")]
    public void ExitText_IsGoProcessState(int status, string? expected) => Assert.Equal(expected, HookRunner.ExitText(status));
}
