using System.Text;
using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff;

/// <summary>
/// Runs the helper binary's runc-compatible commands (state, list -f json, kill, pause, events --stats, delete,
/// start, exec, shim) as the library's own children and turns a failure into a typed <see cref="SkiffException"/>
/// carrying the error chain the command printed.
/// </summary>
internal sealed class SkiffCli(string binary, string? root)
{
    public string Binary { get; } = binary;

    /// <summary>argv for a command: the binary, --root when set, then <paramref name="args"/>.</summary>
    public List<string> Argv(IEnumerable<string> args)
    {
        // JSON log lines on stderr (logrus' format): the last "error" line's msg is the error chain
        var argv = new List<string> { Binary, "--log-format", "json" };
        if (root is not null) argv.AddRange(["--root", root]);
        argv.AddRange(args);
        return argv;
    }

    public static SafeFileHandle DevNull() => File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);

    /// <summary>Runs a command to completion; its stdout on success, a typed exception otherwise.</summary>
    public async Task<string> RunAsync(IReadOnlyList<string> args, CancellationToken ct = default)
    {
        var (outR, outW) = Native.Pipe();
        var (errR, errW) = Native.Pipe();
        ChildProcess child;
        using (var devNull = DevNull())
        using (outW)
        using (errW)
        {
            try
            {
                child = ChildProcess.Start(Binary, Argv(args), [devNull, outW, errW]);
            }
            catch
            {
                outR.Dispose();
                errR.Dispose();
                throw;
            }
        }
        using (child)
        {
            using var outS = new FileStream(outR.ToFileHandle(), FileAccess.Read, 0);
            using var errS = new FileStream(errR.ToFileHandle(), FileAccess.Read, 0);
            Task<string> stdout = ReadAllAsync(outS), stderr = ReadAllAsync(errS);
            int code = await child.Exited.WaitAsync(ct).ConfigureAwait(false);
            string output = await stdout.ConfigureAwait(false), error = await stderr.ConfigureAwait(false);
            if (code != 0) throw Error(error, code, args);
            return output;
        }
    }

    public static async Task<string> ReadAllAsync(Stream s)
    {
        using var reader = new StreamReader(s, Encoding.UTF8);
        return await reader.ReadToEndAsync().ConfigureAwait(false);
    }

    /// <summary>The error a failed command logged on stderr (the last JSON "error" line's msg), typed.</summary>
    public static SkiffException Error(string stderr, int code, IReadOnlyList<string> args)
    {
        string cmd = string.Join(' ', args);
        string message = LogFile.LastError(stderr.Split('\n')) ?? stderr.Trim();
        if (message.Length == 0) message = $"skiff {cmd} exited with status {code}";
        return Classify(message, code, cmd);
    }

    /// <summary>runc's phrases → exception types (the phrases tools already match on).</summary>
    internal static SkiffException Classify(string message, int? code = null, string? cmd = null)
    {
        SkiffException ex;
        if (message.Contains("does not exist", StringComparison.Ordinal))
            ex = new ContainerNotFoundException(message) { ExitCode = code, Command = cmd };
        else if (message.Contains("container with id exists", StringComparison.Ordinal) ||
                 message.Contains("already exists", StringComparison.Ordinal))
            ex = new ContainerExistsException(message) { ExitCode = code, Command = cmd };
        else if (message.Contains("unable to start container process", StringComparison.Ordinal))
            ex = new ContainerStartException(message) { ExitCode = code, Command = cmd };
        else if (message.Contains("not running", StringComparison.Ordinal) ||
                 message.Contains("not paused", StringComparison.Ordinal) ||
                 message.Contains("cannot start", StringComparison.Ordinal) ||
                 message.Contains("cannot delete", StringComparison.Ordinal) ||
                 message.Contains("is not stopped", StringComparison.Ordinal))
            ex = new ContainerStateException(message) { ExitCode = code, Command = cmd };
        else
            ex = new SkiffException(message) { ExitCode = code, Command = cmd };
        return ex;
    }
}
