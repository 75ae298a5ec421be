(self.siteSearchData=self.siteSearchData||{})["s/l"]={"terms":"alan flow llm"};
