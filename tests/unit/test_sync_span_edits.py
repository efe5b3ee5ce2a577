"""Edits of what a translation copies verbatim (inline formulas, inline code, references, link
targets) and removals of slide-only text are carried into the translator's sentences, not
retranslated (docs/SYNC.md, "Edits carried into the translation")."""

from __future__ import annotations

from amts.domain.markdown import parse
from amts.domain.sync import MACHINE_MARKER, SyncPlan, apply_sync, plan_sync
from amts.ports import Origin, Translation

OLD = (
    "# Entropy\n\n"
    "Intro `x`, 1.\n\n"
    "One theorem states that to encode data drawn from $P$,\n"
    "we need at least $H[P]$ nats.\n"
    "A nat is the unit of base $e$.\n"
    "Thus one nat is 1.44 bits.\n\n"
    "End `z`, 5.\n"
)
TGT = (
    "# 熵\n\n"
    "引言`x`，1。\n\n"
    "一个定理指出，为了编码从$P$中抽取的数据，\n"
    "我们至少需要$H[P]$纳特。\n"
    "纳特是以$e$为底的单位。\n"
    "因此一纳特是1.44比特。\n\n"
    "结尾`z`，5。\n"
)


def machine(plan: SyncPlan) -> dict[int, Translation]:
    return {s.key: Translation(f"机翻〈{s.text}〉", Origin.MACHINE) for s in plan.to_translate}


def sync(old: str, new: str, tgt: str, lang: str = "zh") -> tuple[SyncPlan, str]:
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, lang))
    return plan, apply_sync(plan, machine(plan))


def test_a_formula_only_edit_is_carried_into_the_translators_sentence() -> None:
    # Given the English renames the distribution P to p in two inline formulas
    new = OLD.replace("$P$", "$p$").replace("$H[P]$", "$H[p]$")
    # When synced
    plan, out = sync(OLD, new, TGT)
    # Then nothing is sent for translation
    assert plan.to_translate == []
    # And the translator's paragraph stays as written (line breaks included), formulas updated
    assert out == TGT.replace("$P$", "$p$").replace("$H[P]$", "$H[p]$")
    # And no review marker is written, while the plan says what was carried
    assert "amts:" not in out
    assert any("$P$ → $p$" in note and "$H[P]$ → $H[p]$" in note for note in plan.notes)


def test_a_formula_edit_next_to_a_text_edit_sends_only_the_sentence_whose_words_changed() -> None:
    # Given the formula edit and, in the last sentence of the paragraph, a changed word
    new = OLD.replace("$P$", "$p$").replace("$H[P]$", "$H[p]$").replace("1.44 bits", "about 1.44 bits")
    # When synced
    plan, out = sync(OLD, new, TGT)
    # Then only the sentence whose words changed is sent
    assert [s.text for s in plan.to_translate] == ["Thus one nat is about 1.44 bits."]
    # And the sentences with the formulas keep the translator's words, with the new formulas
    kept = "一个定理指出，为了编码从$p$中抽取的数据，\n我们至少需要$H[p]$纳特。\n纳特是以$e$为底的单位。\n"
    assert kept in out
    assert "$P$" not in out
    seg = plan.to_translate[0]
    assert out.count(MACHINE_MARKER.format(ids=seg.sha1)) == 1


def test_an_ambiguous_formula_edit_is_retranslated() -> None:
    # Given a translator who wrote the formula once where the English had it twice
    old = "Intro `x`, 1.\n\nWe draw $P$ and then compare it with $P$ again.\n\nEnd `z`, 5.\n"
    tgt = "引言`x`，1。\n\n我们抽取$P$并再次比较。\n\n结尾`z`，5。\n"
    # When the English renames both
    new = old.replace("$P$", "$p$")
    plan, out = sync(old, new, tgt)
    # Then the sentence is sent: the translation cannot be updated with certainty
    assert [s.text for s in plan.to_translate] == ["We draw $p$ and then compare it with $p$ again."]
    assert "我们抽取$P$并再次比较。" not in out


def test_a_formula_changed_in_one_place_only_is_retranslated() -> None:
    # Given the same formula twice in the English paragraph, translated twice
    old = "Intro `x`, 1.\n\nWe draw $P$.\nWe compare it with $P$ again.\n\nEnd `z`, 5.\n"
    tgt = "引言`x`，1。\n\n我们抽取$P$。\n我们再次与$P$比较。\n\n结尾`z`，5。\n"
    # When the English changes only the second one
    new = "Intro `x`, 1.\n\nWe draw $P$.\nWe compare it with $Q$ again.\n\nEnd `z`, 5.\n"
    plan, out = sync(old, new, tgt)
    # Then the first sentence keeps the translator's $P$ and the second is sent
    assert [s.text for s in plan.to_translate] == ["We compare it with $Q$ again."]
    assert "我们抽取$P$。" in out


def test_an_inline_code_and_reference_edit_is_carried() -> None:
    # Given a sentence with inline code and a cross-reference
    old = "Intro `x`, 1.\n\nUse `torch.device('cuda')` as in :numref:`sec_old`.\n\nEnd `z`, 5.\n"
    tgt = "Giriş `x`, 1.\n\n:numref:`sec_old` içindeki gibi `torch.device('cuda')` kullanın.\n\nSon `z`, 5.\n"
    # When the English renames both
    new = old.replace("torch.device('cuda')", "torch.cuda.device('cuda')").replace("sec_old", "sec_new")
    plan, out = sync(old, new, tgt, "tr")
    # Then the Turkish sentence is updated, nothing is sent
    assert plan.to_translate == []
    expected = tgt.replace("torch.device('cuda')", "torch.cuda.device('cuda')")
    assert out == expected.replace("sec_old", "sec_new")


def test_removed_slide_only_text_is_removed_where_the_translator_wrote_it() -> None:
    # Given slide-only text at the start of a paragraph, translated inline
    old = "Intro `x`, 1.\n\n[~~The training function~~] The function trains `net`.\n\nEnd `z`, 5.\n"
    tgt = "引言`x`，1。\n\n[~~训练函数~~] 该函数训练`net`。\n\nEnd `z`, 5.\n"
    # When the English removes the slide-only text
    new = old.replace("[~~The training function~~] ", "")
    plan, out = sync(old, new, tgt)
    # Then nothing is sent and the translator's slide-only text goes with it
    assert plan.to_translate == []
    assert out == tgt.replace("[~~训练函数~~] ", "")


def test_removed_slide_only_text_the_translator_left_out_is_no_edit() -> None:
    # Given a translator who left the slide-only text out
    old = "Intro `x`, 1.\n\n[~~The training function~~] The function trains `net`.\n\nEnd `z`, 5.\n"
    tgt = "Giriş `x`, 1.\n\nİşlev `net` modelini eğitir.\n\nSon `z`, 5.\n"
    # When the English removes it
    new = old.replace("[~~The training function~~] ", "")
    plan, out = sync(old, new, tgt, "tr")
    # Then the translation is kept byte for byte and nothing is sent
    assert plan.to_translate == []
    assert out == tgt
