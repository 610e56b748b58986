/**
 * The masking rule list on a corpus of answers with phone numbers, ID numbers, emails and names
 * in context, and of answers that look close but name nobody (which must come out unchanged).
 * Expected outputs are written by hand.
 */
import { describe, expect, it } from "vitest";
import { maskPersonalText } from "../../themes/maskPersonalText.ts";

const MASKED: [string, string][] = [
  // mobiles
  ["有事请打13812345678联系我", "有事请打[手机号]联系我"],
  ["我的电话是138-1234-5678，欢迎回访", "我的电话是[手机号]，欢迎回访"],
  ["电话 139 0571 2233", "电话 [手机号]"],
  ["+86 15912345678", "[手机号]"],
  ["8613912345678请回电", "[手机号]请回电"],
  ["手机19988887777。", "手机[手机号]。"],
  // landlines
  ["办公室电话0571-88886666转123", "办公室电话[电话]"],
  ["（010）12345678", "[电话]"],
  ["拨打020 8765 4321", "拨打[电话]"],
  ["座机8888-6666", "座机[号码]"],
  // ID numbers
  ["身份证330106199001011234办不了", "身份证[身份证号]办不了"],
  ["证件号11010519491231002X", "证件号[身份证号]"],
  ["号码 44030420051231123x 已提交", "号码 [身份证号] 已提交"],
  // email and other long numbers
  ["发到 wang.fang@example.com 就行", "发到 [邮箱] 就行"],
  ["加我QQ 123456789", "加我QQ [号码]"],
  // names with 某
  ["王某某上次说会解决", "[姓名]上次说会解决"],
  ["张某反映的问题没人管", "[姓名]反映的问题没人管"],
  // names before a title
  ["张师傅修得很好", "[姓名]师傅修得很好"],
  ["感谢李阿姨的帮助", "感谢[姓名]阿姨的帮助"],
  ["社区的周书记很负责", "社区的[姓名]书记很负责"],
  ["村里刘主任从来不来", "村里[姓名]主任从来不来"],
  ["找陈老师报名", "找[姓名]老师报名"],
  ["黄经理和赵先生都说过", "[姓名]经理和[姓名]先生都说过"],
  ["王姐人很好", "[姓名]姐人很好"],
  // introducers
  ["联系人：王芳，电话13700001111", "联系人：[姓名]，电话[手机号]"],
  ["我叫李娜，是外卖骑手", "我叫[姓名]，是外卖骑手"],
  ["本人张建国反映", "本人[姓名]反映"],
  // familiar forms
  ["老王说得对", "老[姓]说得对"],
  ["小李每次都来", "小[姓]每次都来"],
];

const UNCHANGED = [
  "希望工会多组织暑期托管",
  "社区书记很负责",
  "谢谢老师们的辛苦付出",
  "感谢阿姨们",
  "语文老师和历史老师都很好",
  "照顾大妈大爷的活动多一些",
  "兼任书记太忙了",
  "任何主任都应该下基层",
  "提高师傅们的待遇",
  "每周组织一次活动",
  "2024年5月参加了3次活动",
  "每月补贴300元，希望提高到1000元",
  "小区里的老人需要帮扶",
  "小时工的权益要维护",
  "老年人和小孩",
  "李家村的路不好走",
  "王庄村的活动室太小",
  "老师傅们技术好",
  "姐妹们一起参加",
  "妇女主任很热心",
  "团委书记来过一次",
  "工会主席要多听职工意见",
];

describe("maskPersonalText", () => {
  it.each(MASKED)("masks %s", (input, expected) => {
    expect(maskPersonalText(input).text).toBe(expected);
  });

  it.each(UNCHANGED)("leaves %s as it is", (input) => {
    const result = maskPersonalText(input);
    expect(result.text).toBe(input);
    expect(result.hits).toEqual([]);
  });

  it("says which rules matched, once per match", () => {
    expect(maskPersonalText("张师傅13812345678，李阿姨0571-88886666").hits).toEqual([
      "mobile",
      "landline",
      "name",
      "name",
    ]);
  });

  it("leaves no run of seven digits in any masked answer of the corpus", () => {
    for (const [input] of MASKED) expect(maskPersonalText(input).text).not.toMatch(/\d{7}/);
  });
});
