using System.Text;

namespace Skiff.PackageTests;

/// <summary>
/// The test assembly's entry point: the xunit host does not call it; RootlessTests runs it as an unprivileged
/// user (`dotnet Skiff.PackageTests.dll rootless-driver ROOTFS PREFIX`) to use the library as that user would,
/// printing one "key: value" line per step for the test to check.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 3 || args[0] != "rootless-driver")
        {
            Console.Error.WriteLine("usage: Skiff.PackageTests rootless-driver ROOTFS ID-PREFIX");
            return 2;
        }
        string rootfs = args[1], prefix = args[2];
        var rt = new SkiffRuntime(); // no options: the binary next to the app, the CLI's rootless state root
        Console.WriteLine($"binary: {rt.BinaryPath}");
        Console.WriteLine($"rootless: {rt.IsRootless}");
        Console.WriteLine($"bundles: {rt.BundleRoot}");

        var result = await rt.RunAsync(new ContainerSpec(rootfs, "sh", "-c", "id -u; read a b c < /proc/self/uid_map; echo $a $b $c; exit 4"));
        Console.WriteLine($"run: {result.ExitCode} {Flat(result.Stdout)}");

        await using (var c = await rt.StartAsync(new ContainerSpec(rootfs, "sh", "-c", "read x; echo got:$x"), prefix + "-a"))
        {
            var list = await rt.ListAsync();
            Console.WriteLine($"list: {string.Join(',', list.Select(s => $"{s.Id}={s.Status}"))}");
            var cli = Host.Run(rt.BinaryPath, "list", "-q");
            Console.WriteLine($"cli-list: {Flat(cli.Out)}");
            var p = c.Exec(new ProcessSpec("sh", "-c", "cat; exit 6"));
            await p.StandardInput.WriteAsync("exec-stdin\n"u8.ToArray());
            p.StandardInput.Dispose();
            string execOut = await new StreamReader(p.StandardOutput).ReadToEndAsync();
            Console.WriteLine($"exec: {await p.WaitForExitAsync()} {Flat(execOut)}");
            p.Dispose();
            await c.StandardInput.WriteAsync("main-stdin\n"u8.ToArray());
            c.StandardInput.Dispose();
            string mainOut = await new StreamReader(c.StandardOutput).ReadToEndAsync();
            Console.WriteLine($"stream: {await c.WaitForExitAsync()} {Flat(mainOut)}");
        }

        try
        {
            await rt.RunAsync(new ContainerSpec(rootfs, "true").WithMemoryLimit(64 << 20));
            Console.WriteLine("limits: accepted");
        }
        catch (SkiffException e)
        {
            Console.WriteLine($"limits: {e.GetType().Name}: {e.Message}");
        }

        var c2 = await rt.StartAsync(new ContainerSpec(rootfs, "sleep", "1000"), prefix + "-b");
        int pid = c2.Pid;
        using (var cts = new CancellationTokenSource())
        {
            var wait = c2.WaitForExitAsync(cts.Token);
            cts.Cancel();
            try
            {
                await wait;
                Console.WriteLine("cancel: not cancelled");
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine($"cancel: wait cancelled, alive={Host.IsAlive(pid)}");
            }
        }
        await c2.DisposeAsync();
        Console.WriteLine($"dispose: alive={Host.IsAlive(pid)}");
        return 0;
    }

    private static string Flat(string s) => s.Trim().Replace("\n", "|");
}
