using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// The example seccomp notify agent (examples/seccomp-agent) running for one test: it listens on
/// <see cref="SocketPath"/>, stores the last ContainerProcessState it received in <see cref="StateFile"/> and
/// fails mkdir/mkdirat of a path ending in <see cref="DeniedName"/> with the given errno. The binary is
/// env SKIFF_SECCOMP_AGENT, else built once per test run (dotnet build, JIT: seconds, not an AOT publish).
/// </summary>
public sealed class SeccompAgent : IDisposable
{
    private static readonly Lazy<string> s_binary = new(Build);
    private readonly Process _process;
    private readonly string _dir;

    public SeccompAgent(string deniedName = "denied-by-agent", int errno = 13)
    {
        DeniedName = deniedName;
        _dir = Path.Combine(RepoPaths.TempRoot, "agent-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        SocketPath = Path.Combine(_dir, "agent.sock");
        StateFile = Path.Combine(_dir, "state.json");
        LogFile = Path.Combine(_dir, "agent.log");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("log=$1; shift; exec \"$@\" </dev/null >\"$log\" 2>&1");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(LogFile);
        psi.ArgumentList.Add(s_binary.Value);
        psi.ArgumentList.Add(SocketPath);
        psi.ArgumentList.Add(StateFile);
        psi.ArgumentList.Add(deniedName);
        psi.ArgumentList.Add(errno.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the seccomp agent");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(SocketPath))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"seccomp agent exited {_process.ExitCode}: {File.ReadAllText(LogFile)}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("seccomp agent never listened");
            Thread.Sleep(20);
        }
    }

    public string SocketPath { get; }

    public string StateFile { get; }

    public string LogFile { get; }

    public string DeniedName { get; }

    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    /// <summary>The last ContainerProcessState received (the agent writes it atomically).</summary>
    public JsonObject ReceivedState()
    {
        // The runtime hands the fd over during create, but the agent writes the file on its own time: when no
        // notified syscall makes the container wait for the agent, the container can be done before the file is.
        for (int i = 0; i < 200 && !File.Exists(StateFile); i++) Thread.Sleep(50);
        if (!File.Exists(StateFile)) throw new Xunit.Sdk.XunitException($"the agent received nothing\n{Log}");
        return JsonNode.Parse(File.ReadAllText(StateFile))!.AsObject();
    }

    /// <summary>
    /// A linux.seccomp profile: allow everything, notify the agent of <paramref name="notified"/> (default
    /// mkdir, mkdirat).
    /// </summary>
    public JsonObject Profile(string? metadata = "agent-metadata", params string[] notified)
    {
        var names = notified.Length > 0 ? notified : ["mkdir", "mkdirat"];
        var p = new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["listenerPath"] = SocketPath,
            ["syscalls"] = new JsonArray(new JsonObject
            {
                ["names"] = new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
                ["action"] = "SCMP_ACT_NOTIFY",
            }),
        };
        if (metadata != null)
        {
            p["listenerMetadata"] = metadata;
        }
        return p;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        Runtime.TryDelete(_dir);
    }

    private static string Build()
    {
        var env = Environment.GetEnvironmentVariable("SKIFF_SECCOMP_AGENT");
        if (!string.IsNullOrEmpty(env))
        {
            return Path.GetFullPath(env);
        }
        var project = Path.Combine(RepoPaths.RepoRoot, "examples", "seccomp-agent");
        var output = Path.Combine(RepoPaths.TempRoot, "seccomp-agent-bin");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "build", project, "-c", "Release", "-o", output, "-nodeReuse:false", "-v:q", "-nologo" })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        // the test host's MSBuild variables would point the child build at the test run's own SDK state
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(key);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("building the seccomp agent took over 5 minutes");
        }
        var binary = Path.Combine(output, "seccomp-agent");
        if (p.ExitCode != 0 || !File.Exists(binary))
        {
            throw new InvalidOperationException($"dotnet build {project} failed ({p.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }
        return binary;
    }
}
