META
key;value
description;District PB in Częstochowa, Podjasnogórska
country;Poland
unit;Częstochowa
district;Podjasnogórska
subunit;Podjasnogórska
instance;2024
num_projects;14
num_votes;273
budget;138644
vote_type;cumulative
rule;greedy
date_begin;07.09.2023
date_end;21.09.2023
max_sum_points;10
edition;10
language;pl
currency;PLN
PROJECTS
project_id;cost;votes;score;name;selected
112;120000;73;627;Remont asfaltowego chodnika obok parku Lisiniec przy ul. Jadwigi;1
348;8000;56;461;Bezpieczniej po pasach rowerowych na ul. św. Barbary;1
66;59400;29;251;Festiwale i Koncerty w dzielnicy Podjasnogórska!;0
611;5000;28;203;Częstochowa na zielonym szlaku;1
371;20700;27;195;Łąka kwietna w mojej dzielnicy - Podjasnogórska!;0
662;6000;31;192;Kastracja i sterylizacja kotów wolnożyjących;0
639;5000;19;164;Sportowo Kompleksowo Regularnie Aktywnie – zajęcia sportowe dla najmłodszych.;1
30;45000;20;154;Pergola z huśtawką dla parku 3 Maja;0
720;7500;19;133;Darmowa sterylizacja i kastracja psów i kotów posiadających właścicieli w dzielnicy Podjasnogórska;0
148;5000;12;100;Bezpłatne treningi na LODOWISKU z elementami gry w HOKEJA - dla dzieci, młodzieży i dorosłych z Twojej dzielnicy. Zajęcia prowadzone będą przez z tre;0
185;18000;10;78;Kino na Leżakach Podjasnogórska!;0
752;11800;11;75;Elementy odblaskowe na ul. Pułaskiego;0
437;13000;5;33;Poszukiwanie siatkarskich talentów;0
138;4500;1;1;Tablica informacyjna przy zbiorniku wodnym w Parku Staszica;0
VOTES
voter_id;vote;points;sex;voting_method
31;148;10;M;internet
47;611,662;5,5;F;internet
52;611,662;5,5;F;internet
166;348;10;M;internet
209;371,611,752;5,3,2;F;internet
627;112;10;F;internet
637;112;10;M;internet
822;66,112;5,5;M;internet
936;112;10;F;internet
982;662;10;M;internet
1149;752;10;F;internet
1518;112;10;F;internet
1647;112;10;M;internet
1669;66;10;F;internet
1720;639;10;F;internet
1739;639;10;F;internet
2195;148;10;M;internet
2498;639;10;F;internet
2504;639;10;M;internet
2733;348;10;F;internet
2742;348;10;M;internet
2767;662;10;M;internet
2879;662,348;7,3;F;internet
3057;112;10;F;internet
3304;112,752;5,5;M;internet
3318;348;10;F;internet
3424;720;5;F;internet
3608;30;10;M;internet
3642;371,611,662,720;3,3,3,1;F;internet
3747;112,752;5,5;F;internet
