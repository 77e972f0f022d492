namespace Skiff.LibContainer.Hooks;
internal static class HookRunner { public static void Run(string kind, IReadOnlyList<Skiff.RuntimeSpec.Hook>? hooks, Skiff.RuntimeSpec.State state) { } }
