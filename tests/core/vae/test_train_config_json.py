"""TrainConfig.from_json (the Python API's --config) reads its file like the CLI does: bounded, strict JSON."""

import pytest

from vae_core.errors import ConfigError
from vae_core.vae.train_config import TrainConfig


@pytest.mark.parametrize("text, fragment", [
    ("[" * 10_000 + "]" * 10_000, "nested too deeply"),
    ('{"lr": 1e400}', "1.8e308"),
    ('{"lr": NaN}', "NaN"),
    ('{"epochs": 2' + " " * 2_000_000 + "}", "limit"),
], ids=["deep", "1e400", "NaN", "2 MB"])
def test_a_config_file_is_refused_in_one_line(tmp_path, text, fragment):
    path = tmp_path / "train.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=fragment) as info:
        TrainConfig.from_json(path)
    assert "\n" not in str(info.value)


def test_a_good_config_file_still_loads_and_flags_override_it(tmp_path):
    path = tmp_path / "train.json"
    path.write_text('{"data": "digits", "epochs": 3, "lr": 0.01}')
    cfg = TrainConfig.from_json(path, epochs=5)
    assert (cfg.data, cfg.epochs, cfg.lr) == ("digits", 5, 0.01)
    with pytest.raises(ConfigError, match="config file not found"):
        TrainConfig.from_json(tmp_path / "missing.json")
