using Skiff.LibContainer.Criu.Rpc;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Criu;

/// <summary>What checkpoint and restore set up alike: directories, cgroup mode, the criu config file, the
/// external-namespace keys, and quoting criu's log after a failure.</summary>
internal static class CriuCommon
{
    /// <summary>runc's file in the image directory: the container's stdio as /proc/PID/fd showed them at start.</summary>
    public const string DescriptorsFile = "descriptors.json";

    /// <summary>runc's criuCgMode.</summary>
    public static criu_cg_mode CgroupMode(string mode) => mode switch
    {
        "" => criu_cg_mode.Default,
        "soft" => criu_cg_mode.Soft,
        "full" => criu_cg_mode.Full,
        "strict" => criu_cg_mode.Strict,
        "ignore" => criu_cg_mode.Ignore,
        _ => throw new ContainerException("invalid manage-cgroups-mode value"),
    };

    /// <summary>
    /// How dump and restore begin: criu new enough, an images directory (created for a dump), and the criu_opts
    /// both verbs set alike (runc's): log ("dump.log"/"restore.log"), cgroup mode (checked before the directory
    /// is touched), notify scripts, a terminal's master handed over, and the user's choices both verbs take.
    /// </summary>
    public static criu_opts Begin(CriuOptions o, bool dump, out SafeFd imageDir)
    {
        CriuSupport.CheckVersion(CriuSupport.MinVersion);
        if (o.ImagesDirectory.Length == 0)
            throw new ContainerException(dump ? "invalid directory to save checkpoint" : "invalid directory to restore checkpoint");
        var opts = Options(o, dump ? "dump.log" : "restore.log");
        imageDir = OpenDir(o.ImagesDirectory, create: dump);
        opts.ImagesDirFd = imageDir.Fd;
        return opts;
    }

    private static criu_opts Options(CriuOptions o, string logFile) => new()
    {
        LogLevel = 4,
        LogFile = logFile,
        ManageCgroups = true,
        ManageCgroupsMode = CgroupMode(o.ManageCgroupsMode),
        NotifyScripts = true,
        ShellJob = o.ShellJob,
        TcpEstablished = o.TcpEstablished,
        ExtUnixSk = o.ExternalUnixConnections,
        FileLocks = o.FileLocks,
        EmptyNs = o.EmptyNs,
        OrphanPtsMaster = true,
        AutoDedup = o.AutoDedup,
        LazyPages = o.LazyPages,
    };

    /// <summary>The work directory (created 0700 when missing, as a container may be checkpointed again) set as
    /// criu's work_dir_fd; null when criu works in the images directory.</summary>
    public static SafeFd? OpenWorkDir(criu_opts opts, CriuOptions o)
    {
        if (o.WorkDirectory.Length == 0) return null;
        var dir = OpenDir(o.WorkDirectory, create: true);
        opts.WorkDirFd = dir.Fd;
        return dir;
    }

    /// <summary>mkdir 0700 (an existing directory is fine: a container may be checkpointed again), then an
    /// O_DIRECTORY fd criu opens through /proc/OURPID/fd.</summary>
    public static SafeFd OpenDir(string dir, bool create)
    {
        if (create)
        {
            Errno e = Check.Try(Libc.mkdir(dir, 0x1C0 /* 0700 */));
            if (e is not (Errno.OK or Errno.EEXIST)) throw new SyscallException("mkdir", e, dir);
        }
        return Libc.Open(dir, Libc.O_RDONLY | Libc.O_DIRECTORY);
    }

    /// <summary>runc's handleCriuConfigurationFile: the org.criu.config annotation names a criu config file
    /// ("" means none); without it, /etc/criu/runc.conf (criu ignores a missing file).</summary>
    public static void ConfigFile(criu_opts opts, Spec spec)
    {
        if (spec.Annotations is { } a && a.TryGetValue("org.criu.config", out string? file))
        {
            if (file.Length > 0) opts.ConfigFile = file;
        }
        else
        {
            opts.ConfigFile = "/etc/criu/runc.conf";
        }
    }

    /// <summary>runc's criuNsToKey: "extRootNetNS", "extRootPidNS".</summary>
    public static string ExternalKey(string procName) => "extRoot" + char.ToUpperInvariant(procName[0]) + procName[1..] + "NS";

    /// <summary>runc's logCriuErrors: each line holding "Error" of criu's log with the five lines before it,
    /// as warnings (the error itself is reported once, by the caller).</summary>
    public static void QuoteLog(string dir, string file)
    {
        string path = Path.Combine(dir, file);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex)
        {
            Log.Warn($"open {path}: {ex.Message}");
            return;
        }
        int printed = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].Contains("Error", StringComparison.Ordinal)) continue;
            if (printed == 0) Log.Warn($"--- Quoting \"{path}\"");
            else if (i - 5 > printed) Log.Warn("...");
            for (int j = Math.Max(i - 5, printed); j <= i; j++) Log.Warn($"{j + 1}:{lines[j]}");
            printed = i + 1;
        }
        if (printed != 0) Log.Warn("---");
    }

    /// <summary>/proc/PID/fd/0..2 link targets ("pipe:[123]", "/dev/null"...): runc's getPipeFds.</summary>
    public static List<string> StdioOf(int pid)
    {
        var list = new List<string>(3);
        for (int i = 0; i < 3; i++)
        {
            string path = $"/proc/{pid}/fd/{i}";
            string? target = Libc.ReadLink(path);
            if (target is null)
            {
                Errno e = Check.LastErrno;
                // a closed descriptor is fine (runc skips ENOENT the same way)
                if (e == Errno.ENOENT) { list.Add(""); continue; }
                throw new SyscallException("readlink", e, path);
            }
            list.Add(target);
        }
        return list;
    }

    /// <summary>The descriptors file as runc writes it: a JSON array of strings.</summary>
    public static byte[] DescriptorsJson(IReadOnlyList<string> fds)
    {
        using var ms = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(ms))
        {
            w.WriteStartArray();
            foreach (string s in fds) w.WriteStringValue(s);
            w.WriteEndArray();
        }
        return ms.ToArray();
    }

    /// <summary>Reads the descriptors file of an image directory.</summary>
    public static List<string> ReadDescriptors(string imagesDir)
    {
        string path = Path.Combine(imagesDir, DescriptorsFile);
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SyscallException("open", Errno.ENOENT, path);
        }
        var list = new List<string>();
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartArray) throw new FormatException("not an array");
            while (reader.Read() && reader.TokenType != System.Text.Json.JsonTokenType.EndArray)
                list.Add(reader.GetString() ?? "");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            throw new ContainerException($"reading {path}", ex);
        }
        return list;
    }
}
