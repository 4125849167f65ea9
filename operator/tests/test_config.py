"""Bad configuration stops the operator with one line naming the setting."""

import pytest
from labelhive_operator.config import ConfigError, load_config


def test_defaults():
    cfg = load_config({})
    assert cfg.namespace_list == []
    assert cfg.scale_interval_seconds > 0 and cfg.keda == "auto"


def test_values_from_environment():
    cfg = load_config(
        {
            "LABELHIVE_OPERATOR_API_IMAGE": "r/api:2",
            "LABELHIVE_OPERATOR_NAMESPACES": " a, b ,,",
            "LABELHIVE_OPERATOR_SCALE_INTERVAL_SECONDS": "0.5",
            "UNRELATED": "x",
        }
    )
    assert cfg.api_image == "r/api:2"
    assert cfg.namespace_list == ["a", "b"]
    assert cfg.scale_interval_seconds == 0.5


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LABELHIVE_OPERATOR_SCALE_INTERVAL_SECONDS": "soon"}, "LABELHIVE_OPERATOR_SCALE_INTERVAL_SECONDS"),
        ({"LABELHIVE_OPERATOR_THREADS": "0"}, "LABELHIVE_OPERATOR_THREADS"),
        ({"LABELHIVE_OPERATOR_KEDA": "maybe"}, "LABELHIVE_OPERATOR_KEDA"),
        ({"LABELHIVE_OPERATOR_IMAGE_PULL_POLICY": "Sometimes"}, "LABELHIVE_OPERATOR_IMAGE_PULL_POLICY"),
        ({"LABELHIVE_OPERATOR_RESYNC": "5"}, "LABELHIVE_OPERATOR_RESYNC"),
    ],
)
def test_bad_setting_is_one_line_naming_it(env, named):
    with pytest.raises(ConfigError) as err:
        load_config(env)
    message = str(err.value)
    assert message.startswith(named + ":")
    assert "\n" not in message
