/**
 * Synthetic Chinese place and person names, each place name with its pinyin English form
 * (青山镇 "Qingshan Town", 李家村 "Lijia Village", 东湖社区 "Donghu Community").
 * Names are made up from common characters; any likeness to a real place is chance.
 */
import type { Rng } from "./random.ts";

type Syllable = readonly [zh: string, pinyin: string];

/** Parses "青 qing, 河 he" into syllables. */
function syllables(list: string): readonly Syllable[] {
  return list.split(",").map((entry) => {
    const [zh, pinyin] = entry.trim().split(" ");
    if (!zh || !pinyin) throw new Error(`bad syllable "${entry}"`);
    return [zh, pinyin] as const;
  });
}

const FIRST = syllables(
  "青 qing, 河 he, 东 dong, 西 xi, 南 nan, 北 bei, 新 xin, 金 jin, 石 shi, 龙 long, 凤 feng, 白 bai," +
    "黄 huang, 红 hong, 松 song, 柳 liu, 桃 tao, 梅 mei, 竹 zhu, 云 yun, 花 hua, 明 ming, 光 guang," +
    "太 tai, 永 yong, 安 an, 宁 ning, 平 ping, 丰 feng, 福 fu, 兴 xing, 华 hua, 清 qing, 双 shuang," +
    "三 san, 高 gao, 马 ma, 古 gu, 望 wang, 春 chun, 碧 bi, 银 yin",
);

const SECOND = syllables(
  "山 shan, 湖 hu, 河 he, 桥 qiao, 口 kou, 坪 ping, 溪 xi, 塘 tang, 岭 ling, 园 yuan, 林 lin, 泉 quan," +
    "田 tian, 岗 gang, 湾 wan, 源 yuan, 阳 yang, 城 cheng, 港 gang, 门 men, 峰 feng, 苑 yuan, 景 jing," +
    "铺 pu, 坝 ba, 洲 zhou, 堡 bao, 亭 ting, 安 an, 宁 ning, 和 he, 兴 xing, 丰 feng, 华 hua, 盛 sheng," +
    "新 xin",
);

const SURNAMES = syllables(
  "李 li, 王 wang, 张 zhang, 刘 liu, 陈 chen, 杨 yang, 赵 zhao, 黄 huang, 周 zhou, 吴 wu, 徐 xu," +
    "孙 sun, 胡 hu, 朱 zhu, 高 gao, 林 lin, 何 he, 郭 guo, 马 ma, 罗 luo, 梁 liang, 宋 song, 郑 zheng," +
    "谢 xie, 韩 han, 唐 tang, 冯 feng, 董 dong, 程 cheng, 曹 cao, 袁 yuan, 邓 deng, 彭 peng, 曾 zeng," +
    "田 tian, 潘 pan",
);

/** Endings of "surname + ending" village names: 李家村, 王庄村, 陈湾村. */
const CLAN_ENDINGS = syllables("家 jia, 庄 zhuang, 湾 wan, 坪 ping");

const MALE_GIVEN = "伟 强 军 磊 勇 杰 涛 斌 超 明 刚 平 辉 鹏 飞 波 浩 建国 志强 俊".split(" ");
const FEMALE_GIVEN = "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 桂英 秀英 丹 萍 琳 婷 雪 慧 颖 红梅".split(" ");

/** Joins pinyin syllables into one capitalized word, with the apostrophe before a/o/e (Xin'an). */
function joinPinyin(parts: readonly string[]): string {
  const word = parts.map((s, i) => (i > 0 && /^[aoe]/.test(s) ? `'${s}` : s)).join("");
  return word.charAt(0).toUpperCase() + word.slice(1);
}

export interface PlaceName {
  zh: string;
  en: string;
}

/** Draws place-name stems (two characters), never the same stem twice. */
export class PlaceNamer {
  private readonly used = new Set<string>();

  constructor(private readonly rng: Rng) {}

  /** A two-character stem such as 青山 / Qingshan. */
  stem(): PlaceName {
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const [z1, p1] = this.rng.pick(FIRST);
      const [z2, p2] = this.rng.pick(SECOND);
      const zh = z1 + z2;
      if (z1 === z2 || this.used.has(zh)) continue;
      this.used.add(zh);
      return { zh, en: joinPinyin([p1, p2]) };
    }
    throw new Error("PlaceNamer: ran out of name stems");
  }

  /** A clan-style village stem such as 李家 / Lijia. */
  clanStem(): PlaceName {
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const [z1, p1] = this.rng.pick(SURNAMES);
      const [z2, p2] = this.rng.pick(CLAN_ENDINGS);
      const zh = z1 + z2;
      if (this.used.has(zh)) continue;
      this.used.add(zh);
      return { zh, en: joinPinyin([p1, p2]) };
    }
    return this.stem();
  }
}

export function townName(stem: PlaceName): PlaceName {
  return { zh: `${stem.zh}镇`, en: `${stem.en} Town` };
}

export function subdistrictName(stem: PlaceName): PlaceName {
  return { zh: `${stem.zh}街道`, en: `${stem.en} Subdistrict` };
}

export function villageName(stem: PlaceName): PlaceName {
  return { zh: `${stem.zh}村`, en: `${stem.en} Village` };
}

export function communityName(stem: PlaceName): PlaceName {
  return { zh: `${stem.zh}社区`, en: `${stem.en} Community` };
}

/** A fake Chinese name for a person (sex 1 male, 2 female), drawn from `rng`. */
export function personName(rng: Rng, sex: number): string {
  const surname = rng.pick(SURNAMES)[0];
  const pool = sex === 1 ? MALE_GIVEN : FEMALE_GIVEN;
  const given = rng.pick(pool);
  // About a third of one-character given names get a second character, as 张伟 / 张伟强.
  if (given.length === 1 && rng.bernoulli(0.35)) {
    const second = rng.pick(pool);
    if (second.length === 1 && second !== given) return surname + given + second;
  }
  return surname + given;
}

/** A fake 11-digit mobile number starting 13, 15 or 18. */
export function phoneNumber(rng: Rng): string {
  let digits = `1${rng.pick(["3", "5", "8"])}`;
  for (let i = 0; i < 9; i++) digits += String(rng.int(0, 9));
  return digits;
}
