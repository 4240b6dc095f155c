import random

import numpy as np
import pytest

from crawler.dedup.fingerprint import (NUM_PERM, Fingerprint, distinct_documents, find_marks, minhash, normalise,
                                      pack_marks, pack_signature, related, stored_signature, unpack_marks,
                                      unpack_signature)

ARTICLE = (
    "深度参与成渝地区双城经济圈建设，是全市上下的重大政治任务和重要发展使命。市委全会审议通过决定，提出了我市深度参与"
    "成渝地区双城经济圈建设的八大行动，系统落实了重点任务，指明了实施路径。产业是经济之本，产业体系在现代化经济体系中"
    "处于基础和核心地位。实施现代产业体系构建行动，坚持优先发展先进制造业，加快发展现代服务业、大力发展现代农业。"
    "推动交通基础设施建设，既是双城经济圈建设的先行领域，也是畅通经济社会循环的动脉血管。"
)
OTHER = (
    "近日，省农业农村厅召开全省春耕生产工作会议，部署粮食生产和重要农产品稳产保供工作。会议要求，各地要抓住农时，"
    "落实面积，强化科技支撑，加强病虫害防控，确保全年粮食播种面积稳定。会上，多个市县交流了经验做法，与会人员还观摩"
    "了高标准农田建设现场和智慧农机作业示范。"
)


def test_normalise_folds_script_glosses_and_punctuation():
    assert normalise("產業(yè)發展，“新”質 生產力!") == normalise("产业发展新质生产力")


def test_exact_fingerprint_ignores_noise_characters():
    assert Fingerprint.of(ARTICLE).exact == Fingerprint.of(" " + ARTICLE.replace("，", ",") + "\n").exact


@pytest.mark.parametrize("rate", [0.02, 0.05, 0.1])
def test_edited_copies_stay_similar(rate):
    rng = random.Random(7)
    chars = list(ARTICLE)
    for _ in range(int(len(chars) * rate)):
        chars[rng.randrange(len(chars))] = rng.choice("的一是在不了有和人这中大为上个国")
    assert Fingerprint.of(ARTICLE).jaccard(Fingerprint.of("".join(chars)).signature) >= 0.45


def test_truncated_copy_is_contained():
    full, half = Fingerprint.of(ARTICLE), Fingerprint.of(ARTICLE[: len(ARTICLE) // 2])
    assert full.containment(half.signature, half.size) >= 0.85


def test_different_articles_are_far_apart():
    a, b = Fingerprint.of(ARTICLE), Fingerprint.of(OTHER)
    assert a.jaccard(b.signature) < 0.2
    assert a.containment(b.signature, b.size) < 0.5


def test_signatures_are_stable_across_processes():
    import subprocess
    import sys

    code = "from crawler.dedup.fingerprint import Fingerprint; print(Fingerprint.of('发展新质生产力').signature[:4].tolist())"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    assert len(runs) == 1
    assert runs.pop().strip() == str(Fingerprint.of("发展新质生产力").signature[:4].tolist())


def test_identifiers_are_read_with_the_words_around_them():
    text = ("资市监罚〔2024〕12号\n统一社会信用代码：９１５１０１００ＭＡ６Ｃ８ＸＹＺ１２\n"
            "当事人于2024年3月5日售出3件，违法所得360元，涉及5G手机和app")
    assert find_marks(text) == (
        ("监罚", "202412", "号统"),               # punctuation gone: the 文号 reads as one run
        ("代码", "91510100ma6c8xyz12", "当事"),   # full-width folded, Latin lowered
        ("人于", "2024年3月5", "日售"),           # a date is one identifier, joined through 年 and 月
        ("所得", "360", "元涉"),
        ("涉及", "5g", "手机"),
    )  # the lone 3 and the word app are not identifiers


@pytest.mark.parametrize("original,copy", [
    ("91510100ma6c8xyz12", "91510100ma6c8xyz12"),
    ("91510100ma6c8xyz12", "91510"),              # split by an inserted character: a piece
    ("91510100ma6c8xyz12", "0ma6c8xyz12"),
    ("2024年3月15", "2024年3月5"),                # a digit deleted
    ("91510100ma6c8xyz12", "9151010ma6c8yz12"),   # two deleted
    ("2024103", "2024年103"),                     # a 年 inserted
], ids=["same", "left-piece", "right-piece", "one-deleted", "two-deleted", "joiner-inserted"])
def test_an_edited_identifier_is_related_to_its_original(original, copy):
    assert related(original, copy) and related(copy, original)


@pytest.mark.parametrize("a,b", [
    ("202412", "202413"),                         # 文号 12 and 13
    ("33000", "39000"),
    ("2024年3月5", "2024年5月3"),
    ("91510100ma6c8xyz12", "91510300mb2k4wq0x7"),
    ("91510100ma6c8xyz12", "9151010ma6xyz12"),    # three deleted: more than an edit does
], ids=["wenhao", "amount", "date", "credit-codes", "three-deleted"])
def test_values_of_one_slot_are_not_related(a, b):
    assert not related(a, b) and not related(b, a)


def test_marks_survive_packing():
    marks = Fingerprint.of("统一社会信用代码：91510100MA6C8XYZ12，罚款5000元", title="资市监罚〔2024〕12号").marks
    assert len(marks) == 3 and unpack_marks(pack_marks(marks)) == marks
    assert unpack_marks("") == ()


NOTICE = ("资府人〔2024〕{number}号\n经市政府研究决定：任命{name}为资阳市交通运输局副局长，免去其资阳市水利局副局长职务。"
          "\n资阳市人民政府\n2024年{date}日")


def _notice(number, name, date):
    return Fingerprint.of(NOTICE.format(number=number, name=name, date=date)).marks


def test_notices_differing_in_wenhao_and_date_are_distinct_documents():
    assert distinct_documents(_notice(15, "张建国", "5月20"), _notice(16, "李海燕", "6月3"))


def test_a_new_dateline_or_one_changed_number_is_still_the_same_document():
    original = _notice(15, "张建国", "5月20")
    reposted = Fingerprint.of("本报讯 6月13日电 " + NOTICE.format(number=15, name="张建国", date="5月20")).marks
    assert not distinct_documents(original, reposted)
    assert not distinct_documents(original, _notice(15, "张建国", "5月21"))  # one number: an edit, not a slot


@pytest.mark.parametrize("jaccard", [0.3, 0.45, 0.6, 0.85])
def test_the_stored_4_bit_estimate_is_unbiased_at_known_jaccard(jaccard):
    """400 pairs of shingle sets of exactly this Jaccard (random 64-bit shingle hashes): the
    estimate from a stored (4-bit) signature averages the true value, its spread is the one
    the README argues (sqrt(m (1 - m) / 128) / (1 - 1/16), m the chance-inflated agreement),
    and without the correction it would sit (1 - J) / 16 too high."""
    rng = np.random.default_rng(int(jaccard * 100))
    union, full, stored, raw = 400, [], [], []
    shared = round(jaccard * union)
    for _ in range(400):
        hashes = rng.integers(0, 1 << 63, size=union + shared, dtype=np.uint64)
        # a: the shared ones and half the rest; b: the shared ones and the other half
        a = np.concatenate([hashes[:shared], hashes[shared: (union + shared) // 2]])
        b = np.concatenate([hashes[:shared], hashes[(union + shared) // 2: union]])
        fa, fb = Fingerprint("", minhash(a), a.size), Fingerprint("", minhash(b), b.size)
        full.append(fa.jaccard(fb.signature))
        stored.append(fa.jaccard(stored_signature(fb.signature)))
        raw.append(float(np.mean(stored_signature(fa.signature) == stored_signature(fb.signature))))
    agree = jaccard + (1 - jaccard) / 16
    assert abs(np.mean(full) - jaccard) < 0.01 and abs(np.mean(stored) - jaccard) < 0.01
    assert np.std(stored) == pytest.approx(np.sqrt(agree * (1 - agree) / NUM_PERM) / (1 - 1 / 16), rel=0.2)
    assert np.mean(raw) == pytest.approx(agree, abs=0.01) and np.mean(raw) - jaccard > 0.008


def test_a_stored_signature_packs_into_64_bytes():
    signature = Fingerprint.of(ARTICLE).signature
    packed = pack_signature(stored_signature(signature))
    assert len(packed) == 64 and (unpack_signature(packed) == signature % 16).all()
