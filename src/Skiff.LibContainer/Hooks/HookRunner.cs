using System.Collections;
using System.Globalization;
using System.Text;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Hooks;

/// <summary>
/// Runs OCI hooks as runc does (libcontainer/configs Hooks.Run and Command.Run): each hook is a child with
/// the state JSON on stdin, argv = args (or [path] when empty), env = the hook's env (the runtime's own when
/// the hook has none, as Go's exec.Cmd), stdout and stderr captured into the error message, and a timeout
/// after which the hook is SIGKILLed. Hooks run in order; the first failure stops the list.
/// </summary>
public static class HookRunner
{
    /// <summary>
    /// Runs <paramref name="hooks"/> of kind <paramref name="kind"/> (e.g. "createRuntime"). Throws
    /// <see cref="ContainerException"/> "error running {kind} hook #{i}: ..." on the first failing hook.
    /// </summary>
    public static void Run(string kind, IReadOnlyList<Hook>? hooks, State state)
    {
        if (hooks is null || hooks.Count == 0) return;
        byte[] json = States.ToJson(state);
        for (int i = 0; i < hooks.Count; i++)
        {
            try
            {
                RunOne(hooks[i], json);
            }
            catch (Exception ex) when (ex is ContainerException or SyscallException)
            {
                throw new ContainerException($"error running {kind} hook #{i}", ex);
            }
        }
    }

    /// <summary>Runs one hook; throws with runc's texts ("error running hook: exit status 1, stdout: ..., stderr: ...",
    /// "hook ran past specified timeout of 2.0s", "fork/exec PATH: no such file or directory").</summary>
    public static void RunOne(Hook hook, ReadOnlySpan<byte> stateJson)
    {
        using SafeFd stdin = Libc.MemfdCreate("hook-stdin");
        using SafeFd stdout = Libc.MemfdCreate("hook-stdout");
        using SafeFd stderr = Libc.MemfdCreate("hook-stderr");
        Libc.WriteAll(stdin, stateJson);
        Libc.Rewind(stdin);

        IReadOnlyList<string> argv = hook.Args is { Count: > 0 } a ? a : [hook.Path];
        IReadOnlyList<string> envp = hook.Env ?? CurrentEnvironment();
        int pid;
        try
        {
            pid = Spawner.Spawn(hook.Path, argv, envp, [stdin.Fd, stdout.Fd, stderr.Fd]);
        }
        catch (SyscallException ex) when (ex.Syscall == "posix_spawn")
        {
            throw new SyscallException("fork/exec", ex.Errno, hook.Path); // Go's exec.Cmd text
        }

        int timeoutMs = -1;
        if (hook.Timeout is int t) timeoutMs = (int)Math.Clamp((long)t * 1000, 0, int.MaxValue);
        int status;
        bool timedOut;
        using (SafeFd pidfd = Libc.PidfdOpen(pid)) status = Libc.WaitStatus(pidfd, timeoutMs, out timedOut);
        if (timedOut)
            throw new ContainerException(string.Create(CultureInfo.InvariantCulture, $"hook ran past specified timeout of {(double)(hook.Timeout ?? 0):F1}s"));
        string? failure = ExitText(status);
        if (failure is null) return;
        throw new ContainerException($"error running hook: {failure}, stdout: {ReadAll(stdout)}, stderr: {ReadAll(stderr)}");
    }

    /// <summary>Go's os.ProcessState.String() for a failed wait status; null for exit status 0.</summary>
    public static string? ExitText(int status)
    {
        int sig = status & 0x7f;
        if (sig == 0)
        {
            int code = (status >> 8) & 0xff;
            return code == 0 ? null : "exit status " + code.ToString(CultureInfo.InvariantCulture);
        }
        string text = "signal: " + SignalText(sig);
        if ((status & 0x80) != 0) text += " (core dumped)";
        return text;
    }

    private static readonly string[] s_signalText =
    [
        "", "hangup", "interrupt", "quit", "illegal instruction", "trace/breakpoint trap", "aborted", "bus error",
        "floating point exception", "killed", "user defined signal 1", "segmentation fault", "user defined signal 2",
        "broken pipe", "alarm clock", "terminated", "stack fault", "child exited", "continued", "stopped (signal)",
        "stopped", "stopped (tty input)", "stopped (tty output)", "urgent I/O condition", "CPU time limit exceeded",
        "file size limit exceeded", "virtual timer expired", "profiling timer expired", "window changed",
        "I/O possible", "power failure", "bad system call",
    ];

    /// <summary>Go's syscall.Signal.String() on Linux.</summary>
    public static string SignalText(int sig) =>
        sig > 0 && sig < s_signalText.Length ? s_signalText[sig] : "signal " + sig.ToString(CultureInfo.InvariantCulture);

    private static List<string> CurrentEnvironment()
    {
        var env = new List<string>();
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) env.Add($"{e.Key}={e.Value}");
        return env;
    }

    private static string ReadAll(SafeFd fd)
    {
        Libc.Rewind(fd);
        var ms = new MemoryStream();
        Span<byte> buf = stackalloc byte[4096];
        int n;
        while ((n = Libc.Read(fd, buf)) > 0) ms.Write(buf[..n]);
        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }
}
