namespace Skiff;

/// <summary>What a container run to completion by <see cref="SkiffRuntime.RunAsync(ContainerSpec, string?, CancellationToken)"/> produced.</summary>
/// <param name="ExitCode">Its process's exit code, or 128+N when signal N killed it.</param>
/// <param name="Stdout">Everything it wrote to standard output (UTF-8).</param>
/// <param name="Stderr">Everything it wrote to standard error (UTF-8).</param>
/// <param name="OomKilled">Whether the kernel's OOM killer killed a process of the container (memory limit hit).</param>
public sealed record ContainerResult(int ExitCode, string Stdout, string Stderr, bool OomKilled);
