using System.Text.Encodings.Web;
using System.Text.Json;
using Skiff.LibContainer;
using Skiff.RuntimeSpec;
using Skiff.RuntimeSpec.Json;

namespace Skiff.Cli.Commands;

/// <summary>`features` (runc 1.2): the runtime-spec Features structure as indented JSON (built by
/// <see cref="RuntimeFeatures"/>).</summary>
internal sealed class FeaturesCommand : Command
{
    public override string Name => "features";
    public override string Usage => "show the enabled features";
    public override string Description => "Show the enabled features.\n   The result is parsable as a JSON.\n   See https://github.com/opencontainers/runtime-spec/blob/main/features.md for the type definition.";

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(0, ArgCheck.Exact);
        Features features = RuntimeFeatures.Build(App.Version, App.SpecVersion);
        var buffer = new MemoryStream();
        // Go's encoder: 4-space indent, a newline after the value; "+" and the like stay as they are
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            IndentSize = 4,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            JsonShapes.Write(w, features, SpecShapes.Features);
        }
        buffer.WriteByte((byte)'\n');
        inv.Out.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        return 0;
    }
}
