"""Administrative division names (GB/T 2260) for the codes inside credit codes and ID numbers.

Provinces are complete; cities and districts only where the platform's seed regions need them.
An unknown division yields the province name, or None.
"""
from __future__ import annotations

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}
CITIES = {
    "2301": "哈尔滨市", "2302": "齐齐哈尔市", "2306": "大庆市", "2310": "牡丹江市", "2308": "佳木斯市",
    "3501": "福州市", "3502": "厦门市", "3505": "泉州市", "3506": "漳州市",
    "6101": "西安市", "6103": "宝鸡市", "6104": "咸阳市",
}
DISTRICTS = {
    "230602": "萨尔图区", "230603": "龙凤区", "230604": "让胡路区", "230605": "红岗区", "230606": "大同区",
    "230102": "道里区", "230103": "南岗区", "230104": "道外区",
    "350102": "鼓楼区", "350103": "台江区", "350203": "思明区",
    "610102": "新城区", "610103": "碑林区", "610104": "莲湖区", "610113": "雁塔区",
}


def region_name(code: str | None) -> str | None:
    """'230602' -> '黑龙江省大庆市萨尔图区'; '230600' -> '黑龙江省大庆市'; '239900' -> '黑龙江省'."""
    if not code or len(code) < 2:
        return None
    province = PROVINCES.get(code[:2])
    if province is None:
        return None
    city = CITIES.get(code[:4], "")
    district = DISTRICTS.get(code[:6], "") if city else ""
    return province + city + district
