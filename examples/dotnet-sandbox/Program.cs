// Runs a shell snippet in a busybox root filesystem with a memory limit and a timeout, and prints its output.
//   dotnet run --project examples/dotnet-sandbox -- ROOTFS [SNIPPET] [--memory MIB] [--timeout SECONDS]
// As root the limit is a cgroup; as an ordinary user the container is rootless and runs without it.
using Skiff;

var positional = new List<string>();
long memoryMiB = 64;
int timeoutSeconds = 10;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--memory" && i + 1 < args.Length) memoryMiB = long.Parse(args[++i]);
    else if (args[i] == "--timeout" && i + 1 < args.Length) timeoutSeconds = int.Parse(args[++i]);
    else positional.Add(args[i]);
}
if (positional.Count is < 1 or > 2)
{
    Console.Error.WriteLine("usage: dotnet-sandbox ROOTFS [SNIPPET] [--memory MIB] [--timeout SECONDS]");
    return 2;
}
string snippet = positional.Count == 2 ? positional[1] : "echo hello from $(hostname) as $(id -u); uname -s";

var runtime = SkiffRuntime.Default;
var spec = new ContainerSpec(positional[0], "sh", "-c", snippet);
if (!runtime.IsRootless) spec.WithMemoryLimit(memoryMiB << 20);
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
try
{
    var result = await runtime.RunAsync(spec, timeout.Token);
    Console.Write(result.Stdout);
    Console.Error.Write(result.Stderr);
    Console.WriteLine($"[exit code {result.ExitCode}{(result.OomKilled ? ", killed by the OOM killer" : "")}]");
    return result.ExitCode;
}
catch (OperationCanceledException)
{
    Console.WriteLine($"[timed out after {timeoutSeconds} s: killed and removed]");
    return 124;
}
catch (SkiffException e)
{
    Console.Error.WriteLine($"skiff: {e.Message}");
    return 125;
}
