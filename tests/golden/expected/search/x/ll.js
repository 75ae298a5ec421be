(self.siteSearchData=self.siteSearchData||{})["x/ll"]={"df":"02","terms":"llm"};
