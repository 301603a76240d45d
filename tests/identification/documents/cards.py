"""Fixed test citizens covering what Baotou cards print: rare characters in names, the
nations 蒙古/达斡尔/鄂温克, two- and three-line addresses, a check character X."""

from __future__ import annotations

from datetime import date

from tests.identification.documents.render import Citizen, id_number

CITIZENS = (
    Citizen(
        "巴特尔", "男", "蒙古", date(1979, 4, 3),
        "内蒙古包头市昆都仑区钢铁大街57号7栋3单元502号",
        id_number("150203", date(1979, 4, 3), 217),
    ),
    Citizen(
        "敖燚", "女", "达斡尔", date(1988, 2, 29),
        "内蒙古包头市青山区幸福路12号",
        id_number("150204", date(1988, 2, 29), 2),  # check character X
    ),
    Citizen(
        "涂喆", "男", "鄂温克", date(2001, 12, 30),
        "内蒙古包头市达尔罕茂明安联合旗巴彦塔拉大街8号",
        id_number("150223", date(2001, 12, 30), 31),
    ),
    Citizen(
        "那仁高娃", "女", "蒙古", date(1965, 10, 1),
        "内蒙古包头市白云鄂博矿区团结大街108号2栋1单元301号",
        id_number("150206", date(1965, 10, 1), 88),
    ),
    Citizen(
        "李堃", "男", "汉", date(1993, 7, 15),
        "内蒙古包头市九原区建设路66号",
        id_number("150207", date(1993, 7, 15), 5),
    ),
    Citizen(
        "郭犇", "男", "回", date(1957, 1, 9),
        "内蒙古包头市东河区南门外大街211号14栋2单元602号",
        id_number("150202", date(1957, 1, 9), 13),
    ),
)  # fmt: skip
