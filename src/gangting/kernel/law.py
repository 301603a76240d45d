"""The titles of the laws and regulations we cite, as the citizen sees them.

Texts: shared/domain/laws/ (see shared/domain/RULES.md for the editions).
"""

SCORING = "《道路交通安全违法行为记分管理办法》(公安部令第163号)"
LICENCE = "《机动车驾驶证申领和使用规定》(公安部令第162号)"
LICENCE_172 = "《公安部关于修改〈机动车驾驶证申领和使用规定〉的决定》(公安部令第172号)"
REGISTRATION = "《机动车登记规定》(公安部令第164号)"
PROCEDURE = "《道路交通安全违法行为处理程序规定》"
ROAD_LAW = "《中华人民共和国道路交通安全法》"
IMPLEMENTING = "《中华人民共和国道路交通安全法实施条例》"
PENALTY_LAW = "《中华人民共和国行政处罚法》"
COERCION_LAW = "《中华人民共和国行政强制法》"
INSURANCE = "《机动车交通事故责任强制保险条例》"
ACCIDENT = "《道路交通事故处理程序规定》(公安部令第146号)"
INSPECTION_REFORM = (
    "公安部等《关于深化机动车检验制度改革优化车检服务工作的意见》(2022年10月1日施行)"
)


def cite(law: str, article: str) -> str:
    """'第63条' of LICENCE -> '《机动车驾驶证申领和使用规定》(公安部令第162号) 第63条'."""
    return f"{law} {article}"
