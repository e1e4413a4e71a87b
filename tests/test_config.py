"""evalbot.toml parsing: valid files, each bad key named in the error, secrets rejected."""

from pathlib import Path

import pytest

from bot.config import Config, ConfigError, Maintainers, Secrets, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parents[1] / "evalbot.example.toml"


def test_example_file_parses():
    config = load_config(EXAMPLE)
    assert isinstance(config, Config)


def test_empty_file_gives_defaults():
    config = parse_config("")
    assert config == Config()


def test_watched_repo_fields():
    config = parse_config('[[repos]]\nid = "org/model"\ntype = "model"\nplatform = "github"\n')
    assert config.watched("github", "org/model") is not None
    assert config.watched("hub", "org/model") is None


def test_endpoint_trailing_slash_removed():
    config = parse_config('hub_endpoint = "http://127.0.0.1:9/"\n')
    assert config.hub_endpoint == "http://127.0.0.1:9"


def test_rerun_options_carry_budgets():
    config = parse_config("[rerun]\nenabled = true\nmax_items = 50\ndelta = 2.5\nalpha = 0.1\n")
    options = config.rerun.options()
    assert (options.enabled, options.max_items, options.delta, options.alpha) == (True, 50, 2.5, 0.1)


# Each bad file must name the key at fault, so the fix is obvious.
@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("unknown_key = 1\n", "'unknown_key'"),
        ("[rerun]\ndelta = 0\n", "'rerun.delta'"),
        ("[rerun]\nalpha = 1.5\n", "'rerun.alpha'"),
        ("[rerun]\nmax_items = 0\n", "'rerun.max_items'"),
        ("[rerun]\nbudget = 5\n", "'rerun.budget'"),
        ("[server]\nworkers = 0\n", "'server.workers'"),
        ("[server]\nport = 70000\n", "'server.port'"),
        ('[[repos]]\nid = "no-slash"\n', "'repos.0.id'"),
        ('[[repos]]\nid = "org/m"\ntype = "notebook"\n', "'repos.0.type'"),
        ('[[repos]]\nid = "org/m"\nplatform = "gitlab"\n', "'repos.0.platform'"),
        ('hub_endpoint = "ftp://example"\n', "'hub_endpoint'"),
        ('[maintainers]\nbenchmarks = { "org/b" = "alice" }\n', "'maintainers.benchmarks.org/b'"),
    ],
)
def test_invalid_key_named(text, named):
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert named in str(error.value)


def test_invalid_toml_rejected():
    with pytest.raises(ConfigError, match="invalid TOML"):
        parse_config("[rerun\n")


# A secret committed in the settings file would leak through git, so reject it and name the key.
@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('hf_token = "abc"\n', "'hf_token'"),
        ('[server]\nwebhook_secret = "abc"\n', "'server.webhook_secret'"),
        ('github_token = "abc"\n', "'github_token'"),
        ('[rerun]\nmodel = "hf_abcdefghijklmnopqrstuvwxyz1234"\n', "'rerun.model'"),
        ('bot_users = ["ghp_abcdefghijklmnopqrstuvwxyz1234"]\n', "'bot_users[0]'"),
    ],
)
def test_secret_in_file_rejected(text, key):
    with pytest.raises(ConfigError) as error:
        parse_config(text)
    assert key in str(error.value)
    assert "environment" in str(error.value)


def test_secret_value_absent_from_error():
    with pytest.raises(ConfigError) as error:
        parse_config('hf_token = "hf_verysecretvalue1234567890abc"\n')
    assert "verysecretvalue" not in str(error.value)


def test_dataset_id_with_secret_word_allowed():
    config = parse_config('[maintainers]\nbenchmarks = { "org/secret-bench" = ["alice"] }\n')
    assert config.maintainers.may_verify("alice", "org/secret-bench")


def test_missing_file_error_names_path(tmp_path):
    with pytest.raises(ConfigError, match="--config"):
        load_config(tmp_path / "absent.toml")


def test_secrets_read_from_environment():
    secrets = Secrets.from_env({"HF_TOKEN": "hf_x", "WEBHOOK_SECRET": "s3"})
    assert secrets.hf_token is not None and secrets.hf_token.get_secret_value() == "hf_x"
    assert secrets.github_token is None
    assert "hf_x" not in repr(secrets)


# Maintainers: per benchmark, or per organisation owning the benchmark.
@pytest.mark.parametrize(
    ("user", "dataset", "allowed"),
    [
        ("alice", "Idavidrein/gpqa", True),
        ("alice", "cais/hle", False),
        ("bob", "cais/hle", True),
        ("bob", "cais/mmlu", True),
        ("bob", "Idavidrein/gpqa", False),
        ("mallory", "cais/hle", False),
        ("bob", "gsm8k", False),
    ],
)
def test_maintainer_may_verify(user, dataset, allowed):
    maintainers = Maintainers(benchmarks={"Idavidrein/gpqa": ["alice"]}, organizations={"cais": ["bob"]})
    assert maintainers.may_verify(user, dataset) is allowed


def test_invalid_value_message_is_plain():
    with pytest.raises(ConfigError) as error:
        parse_config("[rerun]\nalpha = 1.5\n")
    assert str(error.value) == "evalbot.toml: 'rerun.alpha' is '1.5', expected less than 1.0"
