import random

import pytest

from crawler.dedup.fingerprint import Fingerprint, normalise

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
