namespace Skiff;

/// <summary>A process to run in a running container with <see cref="Container.Exec"/> (`skiff exec`).</summary>
public sealed class ProcessSpec
{
    private readonly List<KeyValuePair<string, string>> _env = [];

    /// <summary>Creates a process spec for <paramref name="args"/>.</summary>
    /// <param name="args">The program (looked up in the container's PATH) and its arguments.</param>
    public ProcessSpec(params string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0) throw new ArgumentException("a process needs a program to run", nameof(args));
        Args = [.. args];
    }

    /// <summary>The program and its arguments.</summary>
    public IReadOnlyList<string> Args { get; }

    /// <summary>Environment variables added to the container process's environment.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment => _env;

    /// <summary>The working directory, or null for the container process's.</summary>
    public string? WorkingDirectory { get; private set; }

    /// <summary>The uid:gid to run as, or null for the container process's user.</summary>
    public (uint Uid, uint Gid)? User { get; private set; }

    /// <summary>Whether the process gets a pseudo-terminal (`skiff exec --tty`, relayed to the process's streams).</summary>
    public bool Terminal { get; private set; }

    /// <summary>Sets an environment variable.</summary>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">Its value.</param>
    /// <returns>This spec.</returns>
    public ProcessSpec WithEnv(string name, string value)
    {
        Require.EnvName(name);
        _env.Add(new(name, value ?? ""));
        return this;
    }

    /// <summary>Sets the working directory.</summary>
    /// <param name="path">An absolute path inside the container.</param>
    /// <returns>This spec.</returns>
    public ProcessSpec WithWorkingDirectory(string path)
    {
        WorkingDirectory = Require.Absolute(path, "the working directory", nameof(path));
        return this;
    }

    /// <summary>Runs the process as <paramref name="uid"/>:<paramref name="gid"/>.</summary>
    /// <param name="uid">User id inside the container.</param>
    /// <param name="gid">Group id inside the container.</param>
    /// <returns>This spec.</returns>
    public ProcessSpec WithUser(uint uid, uint gid)
    {
        User = (uid, gid);
        return this;
    }

    /// <summary>Gives the process a pseudo-terminal.</summary>
    /// <param name="enabled">Whether to allocate one.</param>
    /// <returns>This spec.</returns>
    public ProcessSpec WithTerminal(bool enabled = true)
    {
        Terminal = enabled;
        return this;
    }

    internal List<string> ExecArgs(string id)
    {
        var a = new List<string> { "exec" };
        if (Terminal) a.Add("--tty");
        if (WorkingDirectory is not null) a.AddRange(["--cwd", WorkingDirectory]);
        if (User is (uint uid, uint gid)) a.AddRange(["--user", $"{uid}:{gid}"]);
        foreach (var kv in _env) a.AddRange(["--env", $"{kv.Key}={kv.Value}"]);
        a.Add(id);
        a.AddRange(Args);
        return a;
    }
}
