using Skiff.Linux;
using Skiff.RuntimeSpec;
using Skiff.RuntimeSpec.GoJson;
using Skiff.RuntimeSpec.Json;

namespace Skiff.LibContainer.Configs;

/// <summary>Reads bundle/config.json as runc's loadSpec does, with its error texts.</summary>
public static class SpecLoader
{
    /// <summary>The spec file name inside a bundle.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>
    /// Loads and checks <paramref name="bundle"/>/config.json: "JSON specification file config.json not found";
    /// malformed JSON gives the parser's message ("EOF" for an empty file, as Go); then runc's
    /// validateProcessSpec. root.path is made absolute relative to the bundle (runc chdirs into it).
    /// </summary>
    public static Spec Load(string bundle)
    {
        string path = Path.Combine(bundle, ConfigFile);
        Spec spec = Parse(ReadConfig(path));
        ValidateProcess(spec.Process);
        if (spec.Root is { Path.Length: > 0 } root && !Path.IsPathRooted(root.Path))
            root.Path = DefaultSpec.CleanPath(Path.Combine(Path.GetFullPath(bundle), root.Path));
        return spec;
    }

    /// <summary>The file's bytes, with runc's texts for what goes wrong ("read config.json: is a directory").</summary>
    private static ReadOnlySpan<byte> ReadConfig(string path)
    {
        SafeFd fd;
        try
        {
            fd = Libc.Open(path, Libc.O_RDONLY);
        }
        catch (SyscallException ex) when (ex.Errno is Errno.ENOENT or Errno.ENOTDIR)
        {
            throw new ContainerException($"JSON specification file {ConfigFile} not found");
        }
        catch (SyscallException ex)
        {
            throw new SyscallException("open", ex.Errno, ConfigFile);
        }
        using (fd)
        {
            // sized by fstat (one read into one array of the file's size; a file that grows meanwhile, or reports
            // no size, is read on in doubling steps): a fixed 64 KiB buffer plus a MemoryStream's copies cost a
            // start-up about 20 freshly touched pages
            long size;
            try { size = Libc.FStat(fd).Size; }
            catch (SyscallException ex) { throw new SyscallException("read", ex.Errno, ConfigFile); }
            byte[] buf = new byte[Math.Clamp(size + 1, 1, 16 << 20)]; // past 16 MiB: as it comes
            int len = 0;
            while (true)
            {
                if (len == buf.Length) Array.Resize(ref buf, (int)Math.Min(2L * buf.Length, Array.MaxLength));
                int n;
                try { n = Libc.Read(fd, buf.AsSpan(len)); }
                catch (SyscallException ex) { throw new SyscallException("read", ex.Errno, ConfigFile); }
                if (n == 0) return buf.AsSpan(0, len);
                len += n;
            }
        }
    }

    /// <summary>Parses config.json bytes (no validation) as runc's json.Decoder does (see <see cref="GoJsonDecoder"/>):
    /// Go's syntax and type errors ("unexpected EOF", "EOF" for an empty file, "json: cannot unmarshal ...").</summary>
    public static Spec Parse(ReadOnlySpan<byte> data)
    {
        try
        {
            // JSON "null" decodes to an empty spec in Go (the process check then reports it).
            return GoJsonDecoder.Decode<Spec>(data, SpecShapes.Spec) ?? new Spec();
        }
        catch (GoJsonException ex)
        {
            throw new ContainerException(ex.Message);
        }
    }

    /// <summary>runc's validateProcessSpec (utils.go).</summary>
    public static void ValidateProcess(Process? process)
    {
        if (process is null) throw new ContainerException("process property must not be empty");
        if (string.IsNullOrEmpty(process.Cwd)) throw new ContainerException("Cwd property must not be empty");
        if (!process.Cwd.StartsWith('/')) throw new ContainerException("Cwd must be an absolute path");
        if (process.Args is null || process.Args.Count == 0) throw new ContainerException("args must not be empty");
        if (!string.IsNullOrEmpty(process.SelinuxLabel) && !File.Exists("/sys/fs/selinux/enforce"))
            throw new ContainerException("selinux label is specified in config, but selinux is disabled or not supported");
    }
}
