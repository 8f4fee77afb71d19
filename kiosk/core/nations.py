"""Nation (民族) codes of GB 3304, as resident ID cards carry them."""

from __future__ import annotations

NATIONS: dict[str, str] = dict(
    pair.split(":")
    for pair in (  # noqa: SIM905 - one readable block beats 58 quoted pairs
        "01:汉 02:蒙古 03:回 04:藏 05:维吾尔 06:苗 07:彝 08:壮 09:布依 10:朝鲜 11:满 12:侗 13:瑶 "
        "14:白 15:土家 16:哈尼 17:哈萨克 18:傣 19:黎 20:傈僳 21:佤 22:畲 23:高山 24:拉祜 25:水 "
        "26:东乡 27:纳西 28:景颇 29:柯尔克孜 30:土 31:达斡尔 32:仫佬 33:羌 34:布朗 35:撒拉 "
        "36:毛南 37:仡佬 38:锡伯 39:阿昌 40:普米 41:塔吉克 42:怒 43:乌孜别克 44:俄罗斯 "
        "45:鄂温克 46:德昂 47:保安 48:裕固 49:京 50:塔塔尔 51:独龙 52:鄂伦春 53:赫哲 54:门巴 "
        "55:珞巴 56:基诺 97:其他 98:外国血统中国籍人士"
    ).split()
)


# The romanised names GB 3304 gives beside the Chinese ones, for the English screens.
NATIONS_EN: dict[str, str] = dict(
    pair.split(":")
    for pair in (  # noqa: SIM905
        "01:Han 02:Mongol 03:Hui 04:Zang 05:Uygur 06:Miao 07:Yi 08:Zhuang 09:Bouyei 10:Chosen "
        "11:Man 12:Dong 13:Yao 14:Bai 15:Tujia 16:Hani 17:Kazak 18:Dai 19:Li 20:Lisu 21:Va "
        "22:She 23:Gaoshan 24:Lahu 25:Sui 26:Dongxiang 27:Naxi 28:Jingpo 29:Kirgiz 30:Tu "
        "31:Daur 32:Mulao 33:Qiang 34:Blang 35:Salar 36:Maonan 37:Gelao 38:Xibe 39:Achang "
        "40:Pumi 41:Tajik 42:Nu 43:Uzbek 44:Russ 45:Ewenki 46:Deang 47:Bonan 48:Yugur 49:Gin "
        "50:Tatar 51:Derung 52:Oroqen 53:Hezhen 54:Monba 55:Lhoba 56:Jino 97:Other "
        "98:Foreign-born_Chinese_citizen"
    ).split()
)


def nation_name(code: str | None, language: str = "zh") -> str | None:
    """The name for a code ('01' → '汉', in English 'Han'); None for no code, the code itself
    if unknown."""
    if not code:
        return None
    table = NATIONS_EN if language == "en" else NATIONS
    return table.get(code.zfill(2), code).replace("_", " ")
