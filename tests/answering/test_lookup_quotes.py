"""A look-up quote keeps every sentence that answers the question; only the others are elided."""

from __future__ import annotations

from assistant.answering.quoting import is_verbatim


def test_a_listing_question_quotes_every_stage_of_province_measure_14(bot) -> None:  # type: ignore[no-untyped-def]
    reply = bot.ask("企业上市有什么补助")
    citation = reply.citations[0]
    assert (citation.doc_id, citation.clause) == ("heilongjiang", "14")
    clause = bot.corpus.clause("heilongjiang", "14")
    assert is_verbatim(clause, citation.quote)
    for stage in ("完成上市辅导的企业，给予一次性补助200万元", "一次性补助300万元",
                  "对新三板挂牌的企业，一次性补助200万元", "成功在北交所公开发行并上市的，一次性补助800万元"):
        assert stage in citation.quote, stage
    assert "紫丁香" not in citation.quote  # a listing board is not 上市: that sentence does not answer


def test_a_narrow_question_still_quotes_only_what_answers_it(bot) -> None:  # type: ignore[no-untyped-def]
    reply = bot.ask("技术改造贴息政策是什么")
    quote = reply.citations[0].quote
    assert "贴息" in quote and "省级财政负担支持资金的60%" not in quote
