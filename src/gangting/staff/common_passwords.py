"""A small list of common passwords and the words they are made of (lower case), shipped in
the package so that the policy needs no download (``staff.passwords``). It holds the classic
top lists' entries, the common Chinese ones (pinyin phrases, lucky numbers, keyboard walks)
and this domain's obvious words. A city adds its own in a later version of this list."""

from __future__ import annotations

COMMON = frozenset(
    """
123456 123456789 12345678 1234567890 12345 1234567 123123 111111 000000 666666 888888
88888888 11111111 123321 654321 7777777 121212 112233 159753 147258369 987654321 5201314
1314520 123qwe qwe123 asd123 zxc123 a123456 aa123456 123456a abc123 abc123456 qq123456
1q2w3e4r 1q2w3e4r5t q1w2e3r4 1qaz2wsx 1qaz2wsx3edc 1qaz@wsx 1qaz@wsx3edc 1qaz!qaz zaq12wsx
qwerty qwertyuiop qwertyuiop123 qwerty123456 asdfgh asdfghjkl zxcvbn zxcvbnm qazwsx
password password1 password123 password1234 passw0rd p@ssw0rd pass passwd secret
admin admin123 admin1234 admin123456 administrator root root123 toor system sysadmin
welcome welcome1 changeme letmein trustno1 default guest user test test123 demo
iloveyou woaini woaini1314 woaiwojia woshishui wodemima mima nihao nihao123 aini
love lover monkey dragon master shadow sunshine princess football baseball soccer
hockey superman batman starwars freedom whatever michael jennifer jordan charlie
computer internet hello hello123 killer hunter ranger thunder matrix summer winter
zhangwei wangwei liuyang zhongguo china beijing shanghai baotou neimenggu
police jingcha jiaojing gongan jiaoguan gangting gangting123 zhidui dadui
""".split()
)
