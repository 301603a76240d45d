"""The booth's service items (办理事项) by name, pure: what an application's ``service_item``
says in Chinese, for the kiosk's receipts and the supervision screen's evidence trail."""

from __future__ import annotations

SERVICE_ZH = {
    "process_violations": "交通违法处理",
    "pay_fines": "罚款缴纳",
    "renewal": "驾驶证期满换证",
    "replacement": "驾驶证遗失补领",
    "health_certificate": "提交身体条件证明",
    "inspection_mark": "申领检验合格标志",
    "study_deduction": "学法减分",
    "apply_fine_deferral": "申请暂缓或分期缴纳罚款",
    "file_objection": "交通违法异议",
    "refer_application": "转办",
    "supply_referral": "补充转办材料",
    "full_score_clearance": "满分教育考试合格清除记分、发还驾驶证",
    "driver_review": "驾驶人审验",
    "cognitive_test": "登记三力测试结果",
    "inspection_mark_reissue": "补领、换领检验合格标志",
    "quick_accident": "事故快处",
}
