"""Find and read the data files of one config and split of a benchmark dataset.

Two steps, kept apart so the download can happen in the parent and the reading in the
child process. `data_file_patterns` picks the file patterns that a config and split need,
from the README's `configs:` block or from the Hub's default layout, so only those files
are downloaded. `load_split` reads them from a local folder laid out as on the Hub, with
`datasets.load_dataset`, in a child process whose environment switches the Hub off.
"""

from pathlib import Path
from typing import Any

import yaml


class DataFilesError(ValueError):
    """The dataset's files for a config and split are not declared, or declared wrongly."""


def readme_configs(readme: str | None) -> list[dict[str, Any]] | None:
    """Return the `configs:` list of a dataset README's YAML header, or None without one."""
    if not readme or not readme.startswith("---"):
        return None
    header, separator, _ = readme[3:].partition("\n---")
    if not separator:
        return None
    try:
        metadata = yaml.safe_load(header)
    except yaml.YAMLError as error:
        raise DataFilesError(f"the dataset README's YAML header is invalid ({error}); fix the header") from error
    if not isinstance(metadata, dict) or "configs" not in metadata:
        return None
    configs = metadata["configs"]
    if not isinstance(configs, list) or not all(isinstance(c, dict) for c in configs):
        raise DataFilesError("the dataset README's 'configs' is not a list of mappings; fix the header")
    return configs


def _split_paths(data_files: Any, split: str) -> list[str]:
    # `data_files` is a path, a list of paths (all in the `train` split), or a list of
    # {split, path} mappings whose path is a path or a list of paths.
    if isinstance(data_files, str):
        return [data_files] if split == "train" else []
    if not isinstance(data_files, list):
        raise DataFilesError(f"'data_files' has the type '{type(data_files).__name__}'; use a path or a list")
    if all(isinstance(item, str) for item in data_files):
        return list(data_files) if split == "train" else []
    paths: list[str] = []
    for item in data_files:
        if not isinstance(item, dict) or item.get("split") != split:
            continue
        path = item.get("path")
        paths.extend([path] if isinstance(path, str) else [p for p in path or [] if isinstance(p, str)])
    return paths


def data_file_patterns(readme: str | None, config: str, split: str) -> list[str]:
    """Return the repo file patterns that hold `config`/`split`, for `allow_patterns`.

    Raises:
        DataFilesError: when the README lists configs but not this one, or lists it
            without files for this split.
    """
    configs = readme_configs(readme)
    if configs is not None:
        for entry in configs:
            if entry.get("config_name", "default") != config:
                continue
            paths = _split_paths(entry.get("data_files"), split)
            if not paths:
                raise DataFilesError(f"config '{config}' has no data files for split '{split}'; check the task's split")
            return paths
        if config != "default":
            names = ", ".join(f"'{entry.get('config_name', 'default')}'" for entry in configs)
            raise DataFilesError(f"config '{config}' is not in the README's configs ({names}); check the task's config")

    # The Hub's layout without a `configs:` block: a folder per config, or `data/` for
    # the default config, holding files named after the split.
    folder = "data" if config == "default" else config
    patterns = [f"{folder}/{split}-*", f"{folder}/{split}.*", f"{folder}/{split}/*"]
    if config == "default":
        patterns += [f"{split}-*", f"{split}.*", f"{split}/*"]
    return patterns


def load_split(folder: Path, config: str, split: str, cache_dir: Path) -> Any:
    """Read one config and split from a local folder with `datasets`, never the network.

    Returns a `datasets.Dataset`. The files are passed to `load_dataset` explicitly,
    because a download holds only this split's files and `datasets` would otherwise look
    for every split the README lists. `cache_dir` receives the Arrow cache that
    `load_dataset` writes, so nothing lands in the user's cache.

    Raises:
        DataFilesError: when no file in the folder contains the config and split.
    """
    # The re-run's child process starts with HF_HUB_OFFLINE and HF_DATASETS_OFFLINE set,
    # because `datasets` reads them at import. A local folder needs no Hub request anyway.
    import datasets

    patterns = data_file_patterns(_read_readme(folder), config, split)
    present = [pattern for pattern in patterns if any(folder.glob(pattern))]
    if not present and readme_configs(_read_readme(folder)) is None:
        # A local benchmarks folder may hold one config's files at its top level, named
        # after the split in one of the ways `datasets` recognises.
        return datasets.load_dataset(str(folder), split=split, cache_dir=str(cache_dir))
    if not present:
        raise DataFilesError(f"no file in the folder matches {patterns} for config '{config}' and split '{split}'")
    return datasets.load_dataset(str(folder), data_files={split: present}, split=split, cache_dir=str(cache_dir))


def _read_readme(folder: Path) -> str | None:
    readme = folder / "README.md"
    return readme.read_text(encoding="utf-8") if readme.is_file() else None
