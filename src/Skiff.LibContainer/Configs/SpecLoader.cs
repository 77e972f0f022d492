namespace Skiff.LibContainer.Configs;
internal static class SpecLoader { public static Skiff.RuntimeSpec.Spec Load(string bundle) => throw new NotImplementedException(); }
