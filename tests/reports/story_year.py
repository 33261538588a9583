"""A year of entries built from the seed posts' events, each labelled with the story it belongs
to (or ``None``), for the story-thread tests. English and Korean, the same stories.

Entries are (ISO week, question key, text, story). The stories:

* ``rag`` (seed 000): building RAG data from February, the mid-May discovery that the context
  went into the deprecated "meta" field, and the fix;
* ``instructor`` (seed 004): open-source work on instructor, from ~300k to 1.1M downloads;
* ``health`` (seed 004): cholesterol and weight, 78 kg to 70 kg;
* ``talks`` (seed 004): paper club, meetup and hackathon talks;
* ``wedding`` (seed 001): the wedding, from the venue to the day.

Everything else is the rest of a year: one-off headlines, lessons and notes.
"""

from __future__ import annotations

STORY_EN: list[tuple[int, str, str, str | None]] = [
    (6, "headline", "Started building the RAG training data for our assistant", "rag"),
    (8, "challenge", "The RAG data pipeline keeps dropping documents; need better checks", "rag"),
    (11, "win", "First full RAG data set generated, 40k question-context pairs", "rag"),
    (20, "headline", "Mid-May: found the RAG context went into the deprecated meta field", "rag"),
    (21, "challenge", "Rebuilt the RAG data after the meta field mix-up, two weeks lost", "rag"),
    (23, "win", "Fixed RAG data is in, the retrieval scores finally went up", "rag"),
    (9, "win", "Merged my first pull request into instructor, the docs for retries", "instructor"),
    (
        16,
        "growth",
        "Wrote instructor docs for validators and got reviews from maintainers",
        "instructor",
    ),
    (27, "win", "Instructor passed 500k downloads; I am now a core contributor", "instructor"),
    (38, "growth", "Added Gemini 2.0 support to instructor over a weekend", "instructor"),
    (49, "win", "Instructor reached 1.1M downloads this year", "instructor"),
    (4, "health", "Health screening: total cholesterol is still far too high", "health"),
    (13, "health", "Cholesterol diet week six, weight down from 78kg to 75kg", "health"),
    (25, "health", "Weight is 72kg now, the cholesterol diet is working", "health"),
    (40, "health", "Health check: cholesterol down 32%, weight 70kg", "health"),
    (
        10,
        "headline",
        "Presented Constitutional AI at the paper club, so stressed before the talk",
        "talks",
    ),
    (29, "win", "Gave a talk at the Kaohsiung meetup in Taiwan", "talks"),
    (35, "headline", "Talk at the Build Together AI hackathon went well", "talks"),
    (46, "win", "Fourth talk of the year, at AI Tinkerers; talks are getting easier", "talks"),
    (15, "headline", "Booked the wedding venue after visiting five halls", "wedding"),
    (24, "odds", "Sent the wedding invitations, the guest list is finally done", "wedding"),
    (31, "headline", "Our wedding day! Friends came from everywhere", "wedding"),
    (33, "people", "Thank-you notes to everyone who came to the wedding", "wedding"),
    (2, "headline", "Back from the winter break, slow start", None),
    (3, "learned", "Learned to keep a decision log for every experiment", None),
    (5, "headline", "Moved desks to the third floor", None),
    (7, "people", "Lunch with my old lab mates", None),
    (12, "reading", "Finished reading The Pragmatic Programmer", None),
    (14, "odds", "Tried bouldering for the first time", None),
    (17, "headline", "Quarterly planning took most of the week", None),
    (18, "lessons", "Forward the email the moment it arrives", None),
    (19, "odds", "Rainy week, stayed in and cooked a lot", None),
    (22, "people", "My mentor walked me through the budget process", None),
    (26, "headline", "Summer hiring interviews all week", None),
    (28, "reading", "A quote I keep: when you don't know what to do, do what you can now", None),
    (30, "odds", "Adopted a cat named Mochi", None),
    (32, "lessons", "Sleep matters more than one more hour at the desk", None),
    (34, "headline", "Team offsite by the sea", None),
    (36, "people", "Coffee with a designer from the other team", None),
    (37, "odds", "The neighbours' garden is full of tomatoes", None),
    (39, "headline", "Autumn sprint planning, a quiet week", None),
    (41, "reading", "Started a novel by Haruki Murakami", None),
    (42, "lessons", "Say no to meetings without an agenda", None),
    (43, "odds", "Bought a new bicycle for the commute", None),
    (44, "headline", "Helped a teammate move apartments", None),
    (45, "people", "Dinner with my parents for my father's birthday", None),
    (47, "odds", "First snow of the year", None),
    (48, "headline", "Year-end reviews with the whole team", None),
    (50, "lessons", "Write things down before they are forgotten", None),
    (51, "odds", "Decorated the apartment for the holidays", None),
]

STORY_KO: list[tuple[int, str, str, str | None]] = [
    (6, "headline", "어시스턴트용 RAG 학습 데이터 구축 시작", "rag"),
    (8, "challenge", "RAG 데이터 파이프라인에서 문서가 자꾸 빠진다, 검증이 필요하다", "rag"),
    (11, "win", "첫 RAG 데이터셋 완성, 질문-컨텍스트 4만 쌍", "rag"),
    (20, "headline", "5월 중순: RAG 컨텍스트가 폐기된 meta 필드에 들어가 있었다", "rag"),
    (21, "challenge", "meta 필드 문제로 RAG 데이터를 다시 만들었다, 2주를 잃었다", "rag"),
    (23, "win", "고친 RAG 데이터로 검색 점수가 드디어 올랐다", "rag"),
    (9, "win", "instructor에 첫 PR 머지, 재시도 문서", "instructor"),
    (16, "growth", "instructor 검증기 문서를 쓰고 메인테이너 리뷰를 받았다", "instructor"),
    (27, "win", "instructor 다운로드 50만 돌파, 이제 코어 컨트리뷰터", "instructor"),
    (38, "growth", "주말 동안 instructor에 Gemini 2.0 지원 추가", "instructor"),
    (49, "win", "instructor 올해 다운로드 110만 달성", "instructor"),
    (4, "health", "건강검진: 콜레스테롤 수치가 여전히 너무 높다", "health"),
    (13, "health", "콜레스테롤 식단 6주차, 체중 78kg에서 75kg으로", "health"),
    (25, "health", "체중 72kg, 콜레스테롤 식단이 효과가 있다", "health"),
    (40, "health", "건강검진 결과 콜레스테롤 32% 감소, 체중 70kg", "health"),
    (10, "headline", "페이퍼 클럽에서 Constitutional AI 발표, 발표 전에 너무 긴장했다", "talks"),
    (29, "win", "대만 가오슝 밋업에서 발표", "talks"),
    (35, "headline", "Build Together AI 해커톤 발표가 잘 끝났다", "talks"),
    (46, "win", "AI Tinkerers에서 올해 네 번째 발표, 발표가 점점 편해진다", "talks"),
    (15, "headline", "웨딩홀 다섯 곳을 보고 결혼식장 예약", "wedding"),
    (24, "odds", "결혼식 청첩장 발송, 하객 명단 드디어 정리", "wedding"),
    (31, "headline", "우리 결혼식 날! 곳곳에서 친구들이 와줬다", "wedding"),
    (33, "people", "결혼식에 와준 모두에게 감사 인사를 보냈다", "wedding"),
    (2, "headline", "겨울 휴가에서 돌아와 느린 출발", None),
    (3, "learned", "실험마다 결정 기록을 남기는 법을 배웠다", None),
    (5, "headline", "자리를 3층으로 옮겼다", None),
    (7, "people", "옛 연구실 동기들과 점심", None),
    (12, "reading", "실용주의 프로그래머를 다 읽었다", None),
    (14, "odds", "처음으로 클라이밍에 도전했다", None),
    (17, "headline", "분기 계획 세우느라 한 주가 갔다", None),
    (18, "lessons", "메일은 오자마자 바로 전달하자", None),
    (19, "odds", "비 오는 한 주, 집에서 요리를 많이 했다", None),
    (22, "people", "멘토님이 예산 절차를 알려주셨다", None),
    (26, "headline", "여름 채용 면접으로 가득한 한 주", None),
    (28, "reading", "뭘 해야 할지 모를 때는 지금 할 수 있는 걸 하자", None),
    (30, "odds", "모찌라는 고양이를 입양했다", None),
    (32, "lessons", "책상 앞 한 시간보다 잠이 더 중요하다", None),
    (34, "headline", "바닷가로 팀 워크숍", None),
    (36, "people", "다른 팀 디자이너와 커피 한 잔", None),
    (37, "odds", "이웃집 텃밭에 토마토가 가득하다", None),
    (39, "headline", "가을 스프린트 계획, 조용한 한 주", None),
    (41, "reading", "무라카미 하루키 소설을 읽기 시작했다", None),
    (42, "lessons", "안건 없는 회의는 거절하자", None),
    (43, "odds", "출퇴근용 새 자전거를 샀다", None),
    (44, "headline", "동료 이사를 도왔다", None),
    (45, "people", "아버지 생신 저녁을 부모님과 함께", None),
    (47, "odds", "올해 첫눈", None),
    (48, "headline", "팀 전체 연말 평가", None),
    (50, "lessons", "잊기 전에 적어 두자", None),
    (51, "odds", "연말 맞이 집 꾸미기", None),
]

STORIES = ("rag", "instructor", "health", "talks", "wedding")
