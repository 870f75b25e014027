META
key;value
description;Local PB in Gdynia, Orłowo | small
country;Poland
unit;Gdynia
district;Orłowo
subunit;Orłowo | small
instance;2020
num_projects;8
num_votes;399
budget;41780
vote_type;approval
rule;greedy-no-skip
date_begin;08.06.2020
date_end;22.06.2020
min_length;1
max_length;3
min_project_score_threshold;50
subdistricts;True
edition;7
language;pl
currency;PLN
PROJECTS
project_id;cost;votes;name;selected
8;9990;269;Uporządkowanie i poprawa estetyki placu na końcu ul. Orłowskiej;1
7;4600;216;Renowacja zabytkowego okopu 2MPS na Kolibkach;1
1;9450;207;Ogród Sąsiedzki przy Dzikim Sadzie, ul. Źródlana;1
6;10000;64;Warsztaty wspomagające koncentrację, pamięć i proces skutecznego uczenia się dla dzieci;1
2;5995;43;Zabawa z mapą - gra terenowa na orientację (Orłowo);0
5;10000;42;Warsztaty wspierania procesu edukacji dzieci dla rodziców;0
3;10000;27;Rodzinne warsztaty kaligraficzne;0
4;10000;23;Kurs kaligrafii i odręcznego pisania dla dzieci i młodzieży;0
VOTES
voter_id;vote;age;sex
50;8;34;M
168;1,5,7;55;F
613;1,7,8;57;F
722;8,1;51;F
835;8,7;49;F
970;8,1,7;51;F
974;7;46;F
982;8,7,1;76;M
989;7,1;47;M
999;1,7,4;16;F
1010;1,7,6;14;M
1017;8;31;M
1044;7;24;M
1162;7;47;M
1243;1;16;F
1252;1,7,8;45;F
1279;7;23;M
1288;7;50;F
1320;1,7,8;44;F
1416;7,1,8;43;M
1497;7,8;46;F
1577;1;73;F
1585;6,7,8;48;M
1603;7;20;M
1625;8,5,6;35;M
1687;8,7,1;18;M
1710;7;24;F
1711;7;25;M
1814;1,8,4;17;F
1850;8;34;F
