using Skiff.Cli;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Xunit;

namespace Skiff.UnitTests.Cli;

[CollectionDefinition("GlobalLog", DisableParallelization = true)]
public sealed class GlobalLogCollection { }

/// <summary>Whole command lines through App.Run, with the log captured in a file (the process-wide Log is reset after).</summary>
[Collection("GlobalLog")]
public sealed class AppTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-app-").FullName;

    public void Dispose()
    {
        Log.SetSink(new SafeFd(2, ownsHandle: false), isStderr: true);
        Log.Json = false;
        Log.Level = LogLevel.Info;
        Directory.Delete(_dir, recursive: true);
    }

    private (int Code, string Out, string Err, string Log) Run(params string[] args)
    {
        string log = Path.Combine(_dir, "log");
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Skiff.Cli.App.Run(["--log", log, .. args], o, e);
        return (code, o.ToString(), e.ToString(), File.Exists(log) ? File.ReadAllText(log) : "");
    }

    [Fact]
    public void Version()
    {
        var o = new StringWriter();
        Assert.Equal(0, Skiff.Cli.App.Run(["--version"], o, TextWriter.Null));
        Assert.StartsWith("skiff version 0.1.0\nspec: 1.3.0\n", o.ToString());
        o = new StringWriter();
        Assert.Equal(0, Skiff.Cli.App.Run(["-v"], o, TextWriter.Null));
        Assert.StartsWith("skiff version", o.ToString());
    }

    [Fact]
    public void UnknownCommand_IsNoHelpTopicWithExit3()
    {
        var r = Run("foo");
        Assert.Equal(3, r.Code);
        Assert.Contains("level=error msg=\"No help topic for 'foo'\\n\"", r.Log);
        Assert.Equal("No help topic for 'foo'\n", r.Err);
    }

    [Fact]
    public void ArgCount_PrintsIncorrectUsageAndHelp()
    {
        var r = Run("create");
        Assert.Equal(1, r.Code);
        Assert.StartsWith("Incorrect Usage.\n\nNAME:\n   skiff create - create a container\n\nUSAGE:\n   skiff create [command options] <container-id>", r.Out);
        Assert.Contains("   --bundle value, -b value  path to the root of the bundle directory", r.Out);
        Assert.Contains("(default: 0)", r.Out);
        Assert.Contains($"msg=\"{Skiff.Cli.App.ProgramName}: \\\"create\\\" requires exactly 1 argument(s)\"", r.Log);
        // runc's fatal: the plain message on stderr when the log is a file.
        Assert.Equal($"{Skiff.Cli.App.ProgramName}: \"create\" requires exactly 1 argument(s)\n", r.Err);
    }

    [Fact]
    public void BadFlag_PrintsIncorrectUsageWithTheMessage()
    {
        var r = Run("list", "-qf");
        Assert.Equal(1, r.Code);
        Assert.StartsWith("Incorrect Usage: flag provided but not defined: -qf\n\nNAME:\n   skiff list", r.Out);
        Assert.Contains("msg=\"flag provided but not defined: -qf\"", r.Log);
    }

    [Fact]
    public void BadGlobalFlag_PrintsAppHelp()
    {
        var o = new StringWriter();
        Assert.Equal(1, Skiff.Cli.App.Run(["--badglobal", "list"], o, TextWriter.Null));
        Assert.StartsWith("Incorrect Usage. flag provided but not defined: -badglobal\n\nNAME:\n   skiff - Open Container Initiative runtime", o.ToString());
    }

    [Fact]
    public void InvalidLogFormat()
    {
        var r = Run("--log-format", "foo", "list");
        Assert.Equal(1, r.Code);
        // As runc: the format is checked before the log file is opened, so the error goes to stderr.
        Assert.Equal("", r.Log);
        Assert.False(File.Exists(Path.Combine(_dir, "log")));
    }

    [Fact]
    public void JsonLogFormat_WritesLogrusJson()
    {
        var r = Run("--log-format", "json", "state", "../x");
        Assert.Equal(1, r.Code);
        Assert.StartsWith("{\"level\":\"error\",\"msg\":\"invalid container ID format\",\"time\":\"", r.Log);
        Assert.Equal("invalid container ID format\n", r.Err);
    }

    [Fact]
    public void UnopenableLog_IsOpenError()
    {
        var e = new StringWriter();
        Assert.Equal(1, Skiff.Cli.App.Run(["--log", "/nonexistent-dir/x", "list"], TextWriter.Null, e));
    }

    [Fact]
    public void KillArgCounts()
    {
        Assert.Contains("requires a minimum of 1 argument(s)", Run("kill").Log);
        Assert.Contains("requires a maximum of 2 argument(s)", Run("kill", "a", "b", "c").Log);
    }

    [Fact]
    public void EmptyId_IsRuncText() => Assert.Contains("msg=\"container id cannot be empty\"", Run("state", "").Log);

    [Fact]
    public void Help_ForACommand()
    {
        var r = Run("kill", "--help");
        Assert.Equal(0, r.Code);
        Assert.StartsWith("NAME:\n   skiff kill - kill sends the specified signal (default: SIGTERM)", r.Out);
        Assert.Contains("   --all, -a  send the specified signal to all processes inside the container\n", r.Out);
        var h = Run("help", "list");
        Assert.Equal(0, h.Code);
        Assert.StartsWith("NAME:\n   skiff list", h.Out);
    }

    [Fact]
    public void AppHelp_ListsCommandsButNotInit()
    {
        var r = Run("--help");
        Assert.Equal(0, r.Code);
        Assert.Contains("\n   checkpoint  checkpoint a running container\n", r.Out);
        Assert.Contains("\n   help, h     Shows a list of commands or help for one command\n", r.Out);
        Assert.DoesNotContain("   init", r.Out);
        Assert.Contains("--root value        root directory for storage of container state (this should be located in tmpfs) (default: \"/run/skiff\")", r.Out);
    }

    [Fact]
    public void CheckpointOfAMissingContainer_SaysSo()
    {
        var r = Run("--root", Path.Combine(_dir, "root"), "checkpoint", "x");
        Assert.Equal(1, r.Code);
        Assert.Contains("msg=\"container does not exist\"", r.Log);
    }

    [Fact]
    public void ExecFailuresExit255WithExecFailed()
    {
        string root = Path.Combine(_dir, "root");
        var r = Run("--root", root, "exec", "nosuch", "true");
        Assert.Equal(255, r.Code);
        Assert.Contains("msg=\"exec failed: container does not exist\"", r.Log);
        // argument-count errors stay usage errors (exit 1), as in runc
        r = Run("--root", root, "exec");
        Assert.Equal(1, r.Code);
        Assert.Contains("requires a minimum of 1 argument(s)", r.Log);
    }

    [Fact]
    public void RunningContainerVerbsCheckTheirArguments()
    {
        string root = Path.Combine(_dir, "root");
        Assert.Contains("requires exactly 1 argument(s)", Run("--root", root, "pause").Log);
        Assert.Contains("requires exactly 1 argument(s)", Run("--root", root, "resume", "a", "b").Log);
        Assert.Contains("requires exactly 1 argument(s)", Run("--root", root, "update").Log);
        Assert.Contains("requires a minimum of 1 argument(s)", Run("--root", root, "ps").Log);
        Assert.Contains("msg=\"container does not exist\"", Run("--root", root, "events", "--stats", "nosuch").Log);
        Assert.Contains("msg=\"duration interval must be greater than 0\"", Run("--root", root, "events", "--interval", "0s", "nosuch").Log);
        Assert.Contains("for flag -interval", Run("--root", root, "events", "--interval", "x", "nosuch").Log);
    }

    [Fact]
    public void Spec_WritesConfigAndRefusesToOverwrite()
    {
        string bundle = Path.Combine(_dir, "b");
        Directory.CreateDirectory(bundle);
        Assert.Equal(0, Run("spec", "-b", bundle).Code);
        Assert.StartsWith("{\n\t\"ociVersion\": \"1.3.0\",", File.ReadAllText(Path.Combine(bundle, "config.json")));
        var again = Run("spec", "--bundle", bundle);
        Assert.Equal(1, again.Code);
        Assert.Contains("msg=\"File config.json exists. Remove it first\"", again.Log);
    }

    [Fact]
    public void Spec_MissingBundle_IsChdirError()
    {
        var r = Run("spec", "-b", "/nonexistent-bundle");
        Assert.Equal(1, r.Code);
        Assert.Contains("msg=\"chdir /nonexistent-bundle: no such file or directory\"", r.Log);
    }

    [Fact]
    public void Spec_Rootless()
    {
        string bundle = Path.Combine(_dir, "r");
        Directory.CreateDirectory(bundle);
        Assert.Equal(0, Run("spec", "--rootless", "--bundle=" + bundle).Code);
        string json = File.ReadAllText(Path.Combine(bundle, "config.json"));
        Assert.Contains("\"uidMappings\"", json);
        Assert.DoesNotContain("\"network\"", json);
    }

    [Fact]
    public void List_BadFormatAndArgs()
    {
        Assert.Contains("requires exactly 0 argument(s)", Run("list", "extra").Log);
        Assert.Contains("flag needs an argument: -format", Run("list", "--format").Log);
    }
}
