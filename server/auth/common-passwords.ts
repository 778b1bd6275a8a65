// The most common passwords, lowercase: the first ones any attacker tries. A short list compiled by hand from the well-known
// published top-password lists; the long ones matter most, since passwords under PASSWORD_MIN characters are refused anyway.
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  `
123456 123456789 12345678 12345 1234567 1234567890 0123456789 0987654321 9876543210 1234512345
12341234 123123123 123123123123 1231231234 12344321 123454321 1234554321 123456654321 11223344 1122334455
112233445566 111222333 147258369 147852369 159357 159753 1qaz2wsx 1qaz2wsx3edc 1q2w3e4r 1q2w3e4r5t
1q2w3e4r5t6y 1q2w3e4r5t6y7u 1q2w3e 2wsx3edc 3edc4rfv zaq12wsx zaq1zaq1 q1w2e3r4 q1w2e3r4t5 q1w2e3r4t5y6
password password1 password12 password123 password1234 password12345 password123456 password! password1! password123!
password2 password2020 password2021 password2022 password2023 password2024 password2025 password2026 passw0rd passw0rd1
passw0rd123 p@ssw0rd p@ssword p@ssw0rd1 p@ssw0rd123 p@ssword123 p@55w0rd pa55word pa55w0rd passwort
mypassword mypassword1 mypassword123 newpassword newpassword1 newpassword123 changeme changeme1 changeme123 changeit
letmein letmein1 letmein123 letmeinnow welcome welcome1 welcome12 welcome123 welcome1234 welcometo
welcome2024 welcome2025 welcome2026 qwerty qwerty1 qwerty12 qwerty123 qwerty1234 qwerty12345 qwerty123456
qwertyu qwertyui qwertyuiop qwertyuiop1 qwertyuiop123 qwertyuiop[] qwerasdf qwerasdfzxcv qweasdzxc qweasdzxc123
qweqweqwe qwe123 qwe123qwe qwe12345 asdfgh asdfghjk asdfghjkl asdfghjkl; asdfasdf asdfasdfasdf
asdf1234 asd123 asdasdasd zxcvbn zxcvbnm zxcvbnm123 zxcvbnm, 1qazxsw2 azerty azerty123
azertyuiop qazwsx qazwsxedc qazwsxedc123 qazxswedc abc123 abc1234 abc12345 abc123456 abcd1234
abcdefg abcdefgh abcdefghi abcdefghij abcdefghijk abcdefghijkl abcdef123 aa123456 a1b2c3d4 a1b2c3d4e5
a123456789 iloveyou iloveyou1 iloveyou12 iloveyou123 iloveyou2 iloveu iloveyouso iloveyoubaby iloveme
princess princess1 princess123 sunshine sunshine1 sunshine123 football football1 football123 baseball baseball1
basketball basketball1 soccer soccer123 hockey dragon dragon123 dragonball monkey monkey123 master
master123 mastermind superman superman1 superman123 batman batman123 spiderman spiderman1 starwars starwars1
pokemon pokemon123 minecraft minecraft1 minecraft123 fortnite charlie charlie1 michael michael1 jennifer
jordan23 jordan123 michelle daniel andrew thomas jessica ashley hannah trustno1
shadow shadow123 freedom freedom1 whatever whatever1 computer computer1 computer123 internet hello123
hello1234 helloworld helloworld1 helloworld123 hellohello loveyou lovely lovelove loveme123 lovelovelove
secret secret123 secretpassword mysecret topsecret access access123 admin admin1 admin123
admin1234 admin12345 administrator administrator1 root root123 rootroot toor login login123
guest guest123 user user123 username test test123 test1234 testtest testing testing123
default default123 default1234 temp temp123 temppassword tempPassword1 service server
summer summer2024 summer2025 summer2026 winter winter2024 winter2025 spring2025 autumn2025 january
december christmas christmas1 halloween birthday birthday1 november september october
samsung samsung123 google google123 facebook facebook1 linkedin twitter yahoo123 microsoft
apple123 iphone amazon netflix spotify youtube instagram snapchat whatsapp
cloud cloud123 aws123 amazonaws awsaccount awspassword cloudlab verilab verilab123 ubuntu
killer killer123 matrix matrix123 cheese chocolate cookie cookie123 banana orange
pepper ginger flower flowers sunflower rainbow butterfly purple yellow blue123
tigger tiger123 lakers chelsea liverpool arsenal barcelona realmadrid juventus manchester
000000 00000000 0000000000 111111 11111111 1111111111 121212 123321 123qwe 123qweasd
123qweasdzxc 123abc 123456a 123456q 123456789a 123456789q 1234567890q 12345qwert 12345qwerty 987654321
666666 696969 7777777 88888888 999999999 1234qwer 1234asdf 4815162342 1029384756 5201314
qwer1234 zxcv1234 asdfqwer poiuytrewq mnbvcxz lkjhgfdsa ytrewq 0000 1111 2222
qwertz qwertz123 qwertzuiop iloveyou! password!! passwordpassword p4ssw0rd p4ssword letmein!
welcome! 1password 1iloveyou 1qazxsw23edc 1234abcd abcd12345 abc12345678 pass1234 pass12345 pass123456
passpass passpass123 pass1word pa$$word pa$$w0rd
987654321q 123654789 741852963 963852741 zaq1xsw2 xsw2zaq1 !qaz2wsx !qaz@wsx 1qaz!qaz 1qaz@wsx
`
    .trim()
    .split(/\s+/)
    .map((p) => p.toLowerCase()),
);
