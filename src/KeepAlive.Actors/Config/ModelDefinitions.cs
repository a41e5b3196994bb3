using System.Text.Json;

namespace KeepAlive.Actors.Config;

/// <summary>One model of a models-config file: its group (top-level key), its name and its JSON object.</summary>
internal sealed record ModelDefinition(string Group, string Name, JsonElement Body);

/// <summary>
/// Which models a models-config file contributes, by the router's rules (its <c>ApiModelConfig</c>): the
/// models named under <c>active_models</c>, each looked up in its group; one definition per model name, the
/// last one listed winning, as in the router's name-keyed <c>models_configs</c>. Where the router would refuse
/// the file, the part it trips on is reported and left out, and the rest is loaded.
/// </summary>
internal static class ModelDefinitions
{
    private const string ActiveModels = "active_models";
    private const string AsAllModels = "every model is loaded, as with --all-models";

    public static IReadOnlyList<ModelDefinition> Select(JsonElement root, ModelSelection selection, ConfigWarnings warnings)
    {
        var models = new Selected(warnings);
        if (selection == ModelSelection.AllModels)
        {
            models.AddEvery(root);
        }
        else if (!root.TryGetProperty(ActiveModels, out var active))
        {
            models.AddEvery(root);
            if (models.Count > 0) warnings.Add(ActiveModels, $"missing, so {AsAllModels} (the router refuses such a file)");
        }
        else if (active.ValueKind != JsonValueKind.Object)
        {
            models.AddEvery(root);
            warnings.Field("top level", ActiveModels, $"must be an object of group names to lists of model names, not {active.ValueKind}; {AsAllModels}");
        }
        else
        {
            models.AddActive(root, active);
        }

        return models.InOrder;
    }

    /// <summary>A model is an object holding at least one provider list.</summary>
    private static bool IsModel(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object && ProvidersReader.ProviderLists.Any(list => value.TryGetProperty(list, out _));

    /// <summary>The chosen definitions in file order, one per model name.</summary>
    private sealed class Selected(ConfigWarnings warnings)
    {
        private readonly List<ModelDefinition> _inOrder = [];
        private readonly Dictionary<string, int> _positionByName = new(StringComparer.Ordinal);

        public IReadOnlyList<ModelDefinition> InOrder => _inOrder;

        public int Count => _inOrder.Count;

        /// <summary>Every model of every group; keys that are not groups of models (active_models, comments) hold none.</summary>
        public void AddEvery(JsonElement root)
        {
            foreach (var group in root.EnumerateObject().Where(g => g.Value.ValueKind == JsonValueKind.Object))
            {
                foreach (var model in group.Value.EnumerateObject().Where(m => IsModel(m.Value)))
                {
                    Add(new ModelDefinition(group.Name, model.Name, model.Value));
                }
            }
        }

        public void AddActive(JsonElement root, JsonElement active)
        {
            foreach (var group in active.EnumerateObject())
            {
                var at = $"{ActiveModels} '{group.Name}'";
                if (group.Value.ValueKind != JsonValueKind.Array)
                {
                    warnings.Add(at, $"must be an array of model names, not {group.Value.ValueKind}; none of its models is loaded");
                    continue;
                }

                if (!root.TryGetProperty(group.Name, out var models) || models.ValueKind != JsonValueKind.Object)
                {
                    warnings.Add(at, $"names a group the file does not define as an object of models; none of its models is loaded");
                    continue;
                }

                var index = 0;
                foreach (var name in group.Value.EnumerateArray())
                {
                    AddListed(group.Name, $"{at}[{index++}]", name, models);
                }
            }
        }

        private void AddListed(string group, string at, JsonElement name, JsonElement models)
        {
            if (name.ValueKind != JsonValueKind.String)
            {
                warnings.Add(at, $"must be a model name, not {name.ValueKind}; skipped");
                return;
            }

            var modelName = name.GetString()!;
            if (!models.TryGetProperty(modelName, out var body))
                warnings.Add(at, $"names model '{modelName}', which group '{group}' does not define; skipped");
            else if (!IsModel(body))
                warnings.Add($"model '{modelName}'", $"has no providers (neither 'providers' nor 'providers_sleep'); skipped");
            else
                Add(new ModelDefinition(group, modelName, body));
        }

        private void Add(ModelDefinition model)
        {
            if (!_positionByName.TryGetValue(model.Name, out var position))
            {
                _positionByName[model.Name] = _inOrder.Count;
                _inOrder.Add(model);
                return;
            }

            var earlier = _inOrder[position];
            // Listed twice in one group: the same definition, nothing to choose.
            if (earlier.Group == model.Group) return;

            warnings.Add($"model '{model.Name}'",
                $"is defined in groups '{earlier.Group}' and '{model.Group}'; the one in '{model.Group}' is used, as by the router");
            _inOrder[position] = model;
        }
    }
}
