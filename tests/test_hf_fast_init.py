"""fast_init, init_module and the meta recipe with real transformers models
(built from config objects, nothing downloaded) and a timm model."""

import importlib
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("scipy")

import varscale.torch as vinit  # noqa: E402
from fast_init_helpers import assert_same_init  # noqa: E402
from varscale.torch._fast_init import patching  # noqa: E402
from varscale.torch._fast_init.fills import ORIGINAL_INIT  # noqa: E402

SMALL = {"vocab_size": 512, "bos_token_id": 0, "eos_token_id": 0}


def _gpt2():
    cfg = transformers.GPT2Config(n_layer=2, n_embd=64, n_head=4, n_positions=128, **SMALL)
    return transformers.GPT2LMHeadModel(cfg)


def _llama():
    cfg = transformers.LlamaConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=160,
                                   num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                                   pad_token_id=1, **SMALL)
    return transformers.LlamaForCausalLM(cfg)


def _bert():
    cfg = transformers.BertConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=128,
                                  num_attention_heads=4, max_position_embeddings=128, vocab_size=512)
    return transformers.BertForMaskedLM(cfg)


def _mistral():
    cfg = transformers.MistralConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=160,
                                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                                     tie_word_embeddings=True, **SMALL)
    return transformers.MistralForCausalLM(cfg)


MODELS = {"gpt2": _gpt2, "llama": _llama, "bert": _bert, "mistral": _mistral}


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("family", sorted(MODELS))
def test_fast_init_keeps_hf_distributions(family):
    with vinit.fast_init(seed=0):
        fast = MODELS[family]()
    assert assert_same_init(MODELS[family], fast) >= 8
    assert all(fn is ORIGINAL_INIT[n] for n, fn in transformers.initialization.TORCH_INIT_FUNCTIONS.items()
               if n in ORIGINAL_INIT)


def test_hf_captured_functions_are_patched_while_open():
    table = transformers.initialization.TORCH_INIT_FUNCTIONS
    with vinit.fast_init(seed=0):
        assert all(patching.is_dispatcher(table[n]) for n in ORIGINAL_INIT)
    assert all(table[n] is ORIGINAL_INIT[n] for n in ORIGINAL_INIT)


def test_gpt2_values_and_ties():
    with vinit.fast_init(seed=1):
        model = _gpt2()
    assert model.lm_head.weight is model.transformer.wte.weight
    std = model.config.initializer_range
    c_proj = model.transformer.h[0].attn.c_proj.weight
    assert abs(c_proj.std().item() - std / (2 * model.config.n_layer) ** 0.5) < 0.1 * std  # GPT-2's scaled init
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in _gpt2().parameters())


@pytest.mark.parametrize("family", ["gpt2", "llama"])
def test_seeded_hf_builds_are_bit_identical_for_any_thread_count(family):
    threads = torch.get_num_threads()
    with vinit.fast_init(seed=4):
        a = _state(MODELS[family]())
    torch.set_num_threads(1)
    try:
        with vinit.fast_init(seed=4):
            b = _state(MODELS[family]())
    finally:
        torch.set_num_threads(threads)
    assert _equal(a, b)


@pytest.mark.parametrize("family", sorted(MODELS))
def test_meta_device_to_real_hf_model(family):
    with torch.device("meta"):
        model = MODELS[family]()
    vinit.materialize(model, seed=0)
    assert not any(t.is_meta for t in list(model.parameters()) + list(model.buffers()))
    assert_same_init(MODELS[family], model)  # buffers (RoPE inv_freq, position_ids) exact, ties kept
    with torch.device("meta"):
        again = MODELS[family]()
    assert _equal(_state(vinit.materialize(again, seed=0)), _state(model))


def test_init_module_reinitialises_a_built_hf_model():
    model = _llama()
    vinit.init_module(model, seed=2)  # seed keyword, flags cleared: everything refilled
    assert_same_init(_llama, model)
    with vinit.fast_init(seed=2):
        built = _llama()
    assert not _equal(_state(model), _state(built))  # different call order (construction fills first)
    with pytest.raises(ValueError, match="own _init_weights"):
        vinit.init_module(model, 0, scheme="xavier_uniform")


def test_transformers_imported_inside_and_after_varscale():
    """A fresh process: varscale first, transformers imported inside a block,
    then a model built after the block with stock values, and one inside."""
    code = """
import torch, varscale.torch as vinit
from varscale.torch._fast_init.fills import ORIGINAL_INIT
with vinit.fast_init(seed=0):
    import transformers
    cfg = transformers.GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=64, bos_token_id=0, eos_token_id=0)
    a = transformers.GPT2LMHeadModel(cfg)
table = transformers.initialization.TORCH_INIT_FUNCTIONS
assert all(table[n] is ORIGINAL_INIT[n] for n in ORIGINAL_INIT), "dispatchers left behind"
with vinit.fast_init(seed=0):
    b = transformers.GPT2LMHeadModel(cfg)
assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_plan_init_importing_transformers_initialization_leaves_torch_functions():
    """A fresh process where transformers.initialization is first imported
    while plan_init records (it copies the patched functions into its table):
    afterwards the table holds torch's functions again, so fast_init's
    dispatchers replace them."""
    code = """
import sys, torch, transformers, varscale.torch as vinit
from varscale.torch._fast_init import patching
from varscale.torch._fast_init.fills import ORIGINAL_INIT
assert "transformers.initialization" not in sys.modules
cfg = transformers.GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=64, bos_token_id=0, eos_token_id=0)
vinit.plan_init(lambda: transformers.GPT2LMHeadModel(cfg), seed=0)
table = transformers.initialization.TORCH_INIT_FUNCTIONS
assert all(table[n] is ORIGINAL_INIT[n] for n in ORIGINAL_INIT), "recording wrappers left behind"
with vinit.fast_init(seed=0):
    assert all(patching.is_dispatcher(table[n]) for n in ORIGINAL_INIT)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_timm_trunc_normal_model():
    timm = pytest.importorskip("timm")
    importlib.import_module("timm.models.vision_transformer")

    def make():
        return timm.models.vision_transformer.VisionTransformer(
            img_size=32, patch_size=8, embed_dim=64, depth=2, num_heads=4, num_classes=10)

    with vinit.fast_init(seed=0):
        fast = make()
    assert assert_same_init(make, fast) >= 8
    with vinit.fast_init(seed=0):  # timm's trunc_normal_ draws through Tensor.uniform_: keyed too
        again = make()
    assert _equal(_state(fast), _state(again))
